"""Flask extensions, created unbound and wired in create_app."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from engine.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
