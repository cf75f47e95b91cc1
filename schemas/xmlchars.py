"""The characters XML 1.0 can carry (production [2] Char), for every XML Jembatan writes.

Intake refuses free text with any other character (schemas.complaint.Text), so what is stored
now can always be shown; every XML writer (Open311 in schemas.open311, the Atom feed) still
drops them, for rows stored before that rule and for anything not typed by a client.
"""

from __future__ import annotations

import re

# Anything outside #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def drop_xml_invalid(text: str) -> str:
    """`text` without the characters an XML 1.0 document cannot contain."""
    return XML_INVALID.sub("", text)
