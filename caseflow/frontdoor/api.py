from caseflow.api.kit import api_blueprint

bp = api_blueprint("frontdoor_api", __name__)
