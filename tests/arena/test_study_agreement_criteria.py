"""The agreement panel per criterion: every figure on one criterion's answers of the same votes."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from arena.agreement_selectors import UnknownCriterion, agreement_panel
from arena.models import Battle, Study

pytestmark = pytest.mark.django_db

CRITERIA = [
    {"key": "geometry", "label": "Geometry quality", "help": ""},
    {"key": "fidelity", "label": "Prompt fidelity", "help": ""},
]
# Per item (the cast's four pairs in (prompt, model, model) id order), the model each rater prefers:
# 0 the one with the lower id, 1 the other. They agree on geometry; on fidelity they agree on three items of four.
ANSWERS = {
    "P1": {"geometry": [0, 0, 1, 1], "fidelity": [0, 1, 1, 1]},
    "P2": {"geometry": [0, 0, 1, 1], "fidelity": [0, 0, 1, 1]},
}


@pytest.fixture
def study(cast) -> Study:
    study = Study.objects.create(
        slug="shapes", title="Shapes", quota=4, min_vote_seconds=0, completion_code="X", criteria=CRITERIA
    )
    study.prompts.set(cast.prompts)
    return study


def post(client: Client, url: str, body: dict) -> dict:
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def items(cast) -> list[tuple[int, int, int]]:
    """The four items: a prompt and two models that both have a finished asset for it."""
    battles = {(b.prompt_id, *sorted((b.asset_a.generator_id, b.asset_b.generator_id))) for b in Battle.objects.all()}
    return sorted(battles)


def take_part(pid: str, cast) -> None:
    client = Client()
    client.get(f"/study/shapes/?PROLIFIC_PID={pid}")
    client.post("/study/shapes/consent/", {"accept": "yes"})
    served = [post(client, "/study/shapes/api/battles/", {}) for _ in range(4)]
    order = items(cast)
    for pair in served:
        battle = Battle.objects.select_related("asset_a", "asset_b").get(public_id=pair["a"]["glb"].split("/")[3])
        gen_a, gen_b = battle.asset_a.generator_id, battle.asset_b.generator_id
        item = order.index((battle.prompt_id, min(gen_a, gen_b), max(gen_a, gen_b)))
        answers = {}
        for key, preferred in ANSWERS[pid].items():
            chosen = (min, max)[preferred[item]](gen_a, gen_b)
            answers[key] = "a" if chosen == gen_a else "b"
        post(client, "/study/shapes/api/vote/", {"token": pair["token"], "answers": answers})


def test_kappa_is_computed_on_each_criterions_answers(study, cast):
    take_part("P1", cast)
    take_part("P2", cast)
    geometry = agreement_panel(study=study, criterion="geometry")
    fidelity = agreement_panel(study=study, criterion="fidelity")
    # Geometry: the same answer on all four items, each answer on half of them: p_o = 1, p_e = 0.5, κ = 1.
    assert geometry["kappa"]["items"] == 4
    assert (geometry["kappa"]["observed"], geometry["kappa"]["expected"]) == pytest.approx((1.0, 0.5))
    assert geometry["kappa"]["estimate"] == pytest.approx(1.0)
    # Fidelity: p_o = 3/4; rater 1 gives the first model 1/4, rater 2 1/2: p_e = 1/4·1/2 + 3/4·1/2 = 1/2,
    # κ = (3/4 − 1/2) / (1 − 1/2) = 1/2.
    assert (fidelity["kappa"]["observed"], fidelity["kappa"]["expected"]) == pytest.approx((0.75, 0.5))
    assert fidelity["kappa"]["estimate"] == pytest.approx(0.5)
    assert geometry["alpha"]["estimate"] > fidelity["alpha"]["estimate"]
    # The vote's own answer is the first criterion's.
    assert agreement_panel(study=study)["kappa"] == geometry["kappa"]


def test_the_json_and_the_dashboard_take_a_criterion(study, cast, admin_client):
    take_part("P1", cast)
    take_part("P2", cast)
    figures = admin_client.get("/study/shapes/api/agreement/?criterion=fidelity").json()
    assert figures["criterion"] == "fidelity" and figures["kappa"]["estimate"] == pytest.approx(0.5)
    assert admin_client.get("/study/shapes/api/agreement/").json()["criterion"] == "geometry"
    page = admin_client.get("/study/shapes/dashboard/?criterion=fidelity").content.decode()
    assert 'id="agreement-criteria"' in page and 'data-agreement-criterion="fidelity"' in page
    assert "/study/shapes/api/agreement/?criterion=fidelity" in page
    assert "<title>Shapes: dashboard" in page and "agreement-panel" not in page.split("</title>")[0]


def test_an_unknown_criterion_is_refused_with_its_name(study, admin_client):
    response = admin_client.get("/study/shapes/api/agreement/?criterion=colour")
    assert response.status_code == 404
    assert response.json()["error"] == (
        "Unknown criterion 'colour' in the query parameter 'criterion' (geometry, fidelity)."
    )
    assert admin_client.get("/study/shapes/dashboard/?criterion=colour").status_code == 404
    with pytest.raises(UnknownCriterion, match="none: it asks a single question"):
        agreement_panel(study=Study.objects.create(slug="plain", title="Plain", quota=1), criterion="geometry")


def test_the_panel_per_criterion_stays_staff_only(study, client):
    assert client.get("/study/shapes/api/agreement/?criterion=fidelity").status_code == 302
    assert client.get("/study/shapes/dashboard/?criterion=fidelity").status_code == 302
