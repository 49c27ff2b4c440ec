"""`helpdesk advise` from options and from a question."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.cli import advise as _registers  # noqa: F401
from assistant.cli import app
from assistant.cli import asking as _second_command  # noqa: F401  (more than one: subcommands by name)

runner = CliRunner()


def test_advise_from_options_as_json() -> None:
    result = runner.invoke(app, ["advise", "--date", "2026-02-01", "--authority", "central", "--annual", "35000",
                                 "--years", "4", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["value"]["total_eur"] == 140000 and data["above_threshold"] is True
    assert data["threshold"]["amount_eur"] == 140000


def test_advise_from_a_question() -> None:
    result = runner.invoke(app, ["advise", "We publish an open procedure on 2 March 2026 with electronic "
                                           "submission: earliest deadline?"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # rich wraps lines
    assert "Wednesday 1 April 2026" in text and "Art 27(4)" in text


def test_advise_refuses_bad_input_with_exit_code_2() -> None:
    assert runner.invoke(app, ["advise", "--date", "2019-01-01", "--total", "5"]).exit_code == 2
    assert runner.invoke(app, ["advise", "How do I write award criteria?"]).exit_code == 2
    assert runner.invoke(app, ["advise", "--date", "yesterday"]).exit_code == 2
