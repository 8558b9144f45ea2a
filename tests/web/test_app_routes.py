"""Tests of the app's URL rules shared by every page."""

from __future__ import annotations

HUGE = "99999999999999999999"  # more than any database integer holds


def test_ids_too_large_for_the_database_are_not_found(make_web_app, client_as) -> None:
    """Tests that an id no database integer holds answers 404 on every page, never 500."""
    app = make_web_app()
    client = client_as(app, "admin")
    pages = [f"/plans/{HUGE}", f"/jobs/{HUGE}", f"/plans/{HUGE}/ledger", f"/areas/{HUGE}"]
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert any("<int:" in rule for rule in rules)
    for page in pages:
        assert client.get(page).status_code == 404, page
    answer = client.post(f"/audit/{HUGE}/undo", data={"csrf_token": "tok"})
    assert answer.status_code == 404
