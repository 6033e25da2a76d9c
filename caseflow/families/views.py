from flask import Blueprint

bp = Blueprint("families", __name__, template_folder="templates")


@bp.route("/families")
def search():  # placeholder: replaced by the families helper
    return "families"
