from flask import Blueprint

bp = Blueprint("frontdoor", __name__, template_folder="templates")


@bp.route("/front-door")
def queue():  # placeholder: replaced by the front door helper
    return "queue"


@bp.route("/requests/new")
def new_request():
    return "new"


@bp.route("/ask-for-help")
def self_referral():
    return "self"
