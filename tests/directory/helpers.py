"""A service in the directory, added the way an administrator does it."""
from __future__ import annotations


def add_service(app, factory, **overrides):
    from caseflow.auth.models import User
    from caseflow.core.extensions import db
    from caseflow.directory import services

    admin = factory.user("admin")
    body = {"name": "Riverside Family Hub", "organisation": "Northshire Council",
            "offers": "Parenting groups, stay and play, and money advice drop-ins.",
            "problems": ["children_need_help", "worklessness"], "area": "Riverside",
            "phone": "01632 960123", "email": "riverside.hub@northshire.example", "eligibility": "Families with children",
            **overrides}
    with app.app_context():
        service = services.add(db.session.get(User, admin.id), body)
        db.session.commit()
        return service.id
