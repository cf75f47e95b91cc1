"""marshmallow schemas: our API's, Open311's, and the CRM's payloads."""
