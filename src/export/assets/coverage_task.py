"""Coverage samples as an inspect_ai task, written by `coverage export --to inspect`.

    inspect eval coverage_task.py --model openai/gpt-4o-mini

Each sample is one graded assistant turn: its messages (the store's system
prompt, the history, the customer's turn) go to the model with the tools;
the model's calls are recorded, never run. The scorer applies the checks
of grader.py (the call, its name, each argument, each fact) and reports
accuracy overall and grouped by domain, behavior, each axis bin and the
expected decision. `-T tool_choice=auto` lets the model answer in words.
"""

import importlib.util
import json
from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import json_dataset
from inspect_ai.scorer import (
    CORRECT,
    INCORRECT,
    Score,
    Target,
    accuracy,
    grouped,
    scorer,
    stderr,
)
from inspect_ai.solver import TaskState, generate, use_tools
from inspect_ai.tool import ToolDef, ToolParams

HERE = Path(__file__).resolve().parent

# grader.py beside this file, loaded by path: inspect does not put the
# task's directory on sys.path.
_spec = importlib.util.spec_from_file_location("coverage_grader", HERE / "grader.py")
grader = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(grader)

GROUPS = [
    "domain",
    "behavior",
    "price_sensitivity",
    "brand_bias",
    "availability",
    "policy_boundary",
    "decision",
]


def _tool(spec):
    function = spec["function"]

    async def execute(**arguments):
        # Never called: generate(tool_calls="none") records the calls.
        return ""

    return ToolDef(
        execute,
        name=function["name"],
        description=function["description"],
        parameters=ToolParams.model_validate(function["parameters"]),
    ).as_tool()


@scorer(
    metrics=[
        accuracy(),
        stderr(),
        *[
            grouped(accuracy(), key, all=False, name_template=key + "={group_name}")
            for key in GROUPS
        ],
    ]
)
def coverage_checks():
    """The checks of the coverage grader on the reply's words and last call."""

    async def score(state: TaskState, target: Target) -> Score:
        message = state.output.message
        calls = [
            (call.function, None if call.parse_error else call.arguments)
            for call in (message.tool_calls or [])
        ]
        checks = grader.grade(state.metadata["grading"], message.text or "", calls)
        passed = all(check["pass"] for check in checks)
        failed = [f"{c['check']}: {c['reason']}" for c in checks if not c["pass"]]
        return Score(
            value=CORRECT if passed else INCORRECT,
            answer=calls[-1][0] if calls else "",
            explanation="; ".join(failed) if failed else "every check passed",
            metadata={"checks": checks},
        )

    return score


@task
def coverage(tool_choice: str = "any"):
    """tool_choice: `any` (a call is required, the default) or `auto`."""
    if tool_choice not in ("any", "auto"):
        raise ValueError(f"tool_choice '{tool_choice}': expected any or auto")
    tools = [_tool(spec) for spec in json.loads((HERE / "tools.json").read_text())]
    return Task(
        dataset=json_dataset(str(HERE / "dataset.jsonl")),
        solver=[use_tools(tools, tool_choice=tool_choice), generate(tool_calls="none")],
        scorer=coverage_checks(),
    )
