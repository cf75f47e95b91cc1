"""The WSGI entry point: `gunicorn wsgi:app`."""

from app import create_app
from app.config import load_dotenv_if_present

load_dotenv_if_present()
app = create_app()
