"""opcheck.commands.options: the shared options, their enums and their help panels."""
from __future__ import annotations

import typer.main

from opcheck.commands import options as o


def test_enums_spell_the_lower_layers_names():
    from opcheck.checks.gradient_descent import LAYERS
    from opcheck.data.loaders import BUILTIN
    from opcheck.data.prepare import LABEL_MODES
    from opcheck.model.activations import NAMES
    from opcheck.model.network import SCHEMES

    assert [e.value for e in o.Activation] == list(NAMES)
    assert [e.value for e in o.Init] == list(SCHEMES)
    assert [e.value for e in o.Labels] == list(LABEL_MODES)
    assert [e.value for e in o.TrainLayers] == list(LAYERS)
    assert [e.value for e in o.BuiltinData] == list(BUILTIN)


def _commands():
    from opcheck.cli import app

    group = typer.main.get_command(app)
    return {name: group.commands[name] for name in group.commands}


def test_every_option_sits_in_a_panel_and_shared_ones_are_declared_once():
    cmds = _commands()
    for name, cmd in cmds.items():
        for p in cmd.params:
            if p.param_type_name == "option" and p.name != "help":
                assert getattr(p, "rich_help_panel", None) in (o.DATA, o.NETWORK, o.TRAINING, o.OUTPUT, o.COMPUTE, "Theorems"), (name, p.name)
    # the options verify and report share have the same help text: they come from one declaration
    verify = {p.name: p for p in cmds["verify"].params}
    report = {p.name: p for p in cmds["report"].params}
    for shared in ("dataset", "d0", "label_column", "labels", "d2", "seed", "activation", "constant"):
        assert verify[shared].help == report[shared].help, shared
    assert verify["lr"].help.startswith(report["lr"].help)  # verify adds 'theorem', which report lacks


def test_enum_options_accept_any_case(run_cli):
    res = run_cli("bound", "--n", "100", "--d0", "10", "--activation", "GELU", "--init", "He", "--json")
    assert res.code == 0, res


def test_unknown_choice_is_one_line_with_a_suggestion(run_cli):
    res = run_cli("verify", "--activation", "gleu")
    assert res.code == 2 and res.out == ""
    assert res.err.strip() == ("opcheck: error: unknown activation 'gleu' (--activation); "
                               "choose one of: gelu, softplus, tanh, sigmoid, silu, relu (did you mean 'gelu'?)")


def test_mistyped_option_gets_did_you_mean(run_cli):
    res = run_cli("verify", "--widht", "10")
    assert res.code == 2 and res.err.strip() == "opcheck: error: No such option: --widht; did you mean '--width'?", res
