from caseflow.api.kit import api_blueprint

bp = api_blueprint("families_api", __name__)
