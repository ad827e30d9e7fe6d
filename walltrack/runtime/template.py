"""Read `template.yaml` the way SAM does, just far enough to run it locally and to check it.

PyYAML's safe loader rejects CloudFormation's short tags (`!Ref`, `!GetAtt`, ...), so they are
turned into small value objects; long forms (`{"Ref": X}`) become the same objects. `Globals`
is merged into each function with SAM's rules (maps merge, lists add up, scalars override).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TIMEOUT_SECONDS = 3  # SAM's default when neither the function nor Globals sets one
DEFAULT_MEMORY_MB = 128
DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30  # SQS's default
DEFAULT_SQS_BATCH_SIZE = 10
MIN_MAX_RECEIVE_COUNT = 5
VISIBILITY_TIMEOUT_FACTOR = 6
MIN_CONCURRENCY, MAX_CONCURRENCY = 2, 1000
"""SQS event sources' MaximumConcurrency range; every consumer sets one (few waiting invocations,
few database connections)."""

Handler = Callable[[Any, Any], Any]


class TemplateError(Exception):
    """The template cannot be read, or cannot be run as written (bad handler, bad schedule)."""


class UnknownFunctionError(LookupError):
    """No such function in the runtime (or it has no Function URL / no such schedule)."""


# -- intrinsic functions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """`!Ref Target`: a parameter's value, a queue's URL, a pseudo parameter (AWS::Region)."""

    target: str


@dataclass(frozen=True)
class GetAtt:
    """`!GetAtt Resource.Attribute` (Arn, QueueUrl, FunctionUrl, ...)."""

    resource: str
    attribute: str


@dataclass(frozen=True)
class Intrinsic:
    """Any other intrinsic (`Fn::Sub`, `Fn::If`, ...), kept as written; the runner skips it."""

    fn: str
    value: Any


_SHORT_TAGS = (
    "Sub", "If", "Join", "Select", "Equals", "Not", "And", "Or", "FindInMap", "GetAZs", "Split",
    "ImportValue", "Base64", "Cidr", "Transform", "Length", "ToJsonString",
)  # fmt: skip


def _construct_any(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unsupported YAML node {node!r}")  # pragma: no cover


def _get_att(value: Any) -> GetAtt:
    if isinstance(value, str) and "." in value:
        resource, attribute = value.split(".", 1)
        return GetAtt(resource, attribute)
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return GetAtt(value[0], value[1])
    raise TemplateError(f"malformed GetAtt {value!r}: expected 'Resource.Attribute'")


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form tags."""


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> Ref:
    return Ref(str(_construct_any(loader, node)))


def _get_att_tag(loader: yaml.SafeLoader, node: yaml.Node) -> GetAtt:
    return _get_att(_construct_any(loader, node))


def _intrinsic_tag(fn: str) -> Callable[[yaml.SafeLoader, yaml.Node], Intrinsic]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Intrinsic:
        return Intrinsic(fn, _construct_any(loader, node))

    return construct


_CfnLoader.add_constructor("!Ref", _ref)
_CfnLoader.add_constructor("!GetAtt", _get_att_tag)
_CfnLoader.add_constructor("!Condition", _intrinsic_tag("Condition"))
for _tag in _SHORT_TAGS:
    _CfnLoader.add_constructor(f"!{_tag}", _intrinsic_tag(f"Fn::{_tag}"))


def _long_form(key: Any, inner: Any) -> Ref | GetAtt | Intrinsic | None:
    if key == "Ref" and isinstance(inner, str):
        return Ref(inner)
    if key == "Fn::GetAtt":
        return _get_att(inner)
    if isinstance(key, str) and key.startswith("Fn::"):
        return Intrinsic(key, _normalise(inner))
    return None


def _normalise(value: Any) -> Any:
    """Turn long-form intrinsics into the same objects as the short tags."""
    if isinstance(value, dict):
        if len(value) == 1:
            intrinsic = _long_form(*next(iter(value.items())))
            if intrinsic is not None:
                return intrinsic
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, Intrinsic):
        return Intrinsic(value.fn, _normalise(value.value))
    return value


# -- the model ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    type: str
    default: Any = None
    no_echo: bool = False
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def has_default(self) -> bool:
        return "Default" in self.properties


@dataclass(frozen=True)
class ScheduleEvent:
    """A `Schedule` (EventBridge rule) or `ScheduleV2` (EventBridge Scheduler) event."""

    name: str
    expression: str
    enabled: bool = True
    input: str | None = None  # a JSON string that replaces the scheduled event, as on AWS
    rule_name: str | None = None
    timezone: str = "UTC"
    kind: str = "Schedule"


@dataclass(frozen=True)
class SqsEvent:
    name: str
    queue_id: str
    batch_size: int = DEFAULT_SQS_BATCH_SIZE
    report_batch_item_failures: bool = False
    max_batching_window: int = 0
    enabled: bool = True
    maximum_concurrency: int | None = None  # ScalingConfig.MaximumConcurrency (AWS: 2-1000)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    handler: str
    timeout: int
    memory_size: int
    env: Mapping[str, Any]  # raw values: literals and intrinsics, resolved by the runner
    events: list[ScheduleEvent | SqsEvent]
    function_url: bool
    function_name: str
    code_dir: Path | None
    properties: Mapping[str, Any]  # after the Globals merge
    unsupported_events: list[str] = field(default_factory=list)

    @property
    def schedules(self) -> list[ScheduleEvent]:
        return [e for e in self.events if isinstance(e, ScheduleEvent)]

    @property
    def sqs_events(self) -> list[SqsEvent]:
        return [e for e in self.events if isinstance(e, SqsEvent)]


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    visibility_timeout: int
    dlq_id: str | None
    max_receive_count: int | None
    fifo: bool = False
    delay_seconds: int = 0
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    path: Path | None
    parameters: dict[str, ParameterSpec]
    functions: dict[str, FunctionSpec]
    queues: dict[str, QueueSpec]
    resources: dict[str, Any]
    globals: dict[str, Any]


# -- loading --------------------------------------------------------------------------------------


def load_template(path: str | Path) -> Template:
    """Parse a SAM template file; raises TemplateError with the file name on any problem."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"cannot read template {source}: {exc}") from exc
    return parse_template(text, path=source)


def parse_template(text: str, *, path: Path | None = None) -> Template:
    where = str(path) if path else "<template>"
    try:
        raw = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise TemplateError(f"{where}: a template is a mapping with a Resources section")
    doc: dict[str, Any] = _normalise(raw)
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        raise TemplateError(f"{where}: no Resources section")
    parameters = _parameters(doc.get("Parameters") or {}, where)
    globals_ = doc.get("Globals") or {}
    function_globals = globals_.get("Function") or {}
    base_dir = path.parent if path else None

    functions: dict[str, FunctionSpec] = {}
    queues: dict[str, QueueSpec] = {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            raise TemplateError(f"{where}: resource {logical_id} is not a mapping")
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            merged = _merge_globals(function_globals, props)
            functions[logical_id] = _function(logical_id, merged, base_dir, where)
        elif kind == "AWS::SQS::Queue":
            queues[logical_id] = _queue(logical_id, props, parameters, where)
    return Template(
        path=path,
        parameters=parameters,
        functions=functions,
        queues=queues,
        resources=resources,
        globals=globals_,
    )


def _parameters(raw: Mapping[str, Any], where: str) -> dict[str, ParameterSpec]:
    out: dict[str, ParameterSpec] = {}
    for name, props in raw.items():
        if not isinstance(props, dict) or "Type" not in props:
            raise TemplateError(f"{where}: parameter {name} has no Type")
        no_echo = props.get("NoEcho", False)
        out[name] = ParameterSpec(
            name=name,
            type=str(props["Type"]),
            default=props.get("Default"),
            no_echo=no_echo is True or str(no_echo).lower() == "true",
            properties=props,
        )
    return out


def _merge_globals(globals_: Any, local: Any) -> Any:
    """SAM's Globals rules: maps merge key by key, lists concatenate, the function wins."""
    if isinstance(globals_, dict) and isinstance(local, dict):
        merged = dict(globals_)
        for key, value in local.items():
            merged[key] = _merge_globals(globals_[key], value) if key in globals_ else value
        return merged
    if isinstance(globals_, list) and isinstance(local, list):
        return [*globals_, *local]
    return local


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise TemplateError(f"{what}: expected a whole number, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise TemplateError(f"{what}: expected a whole number, got {value!r}") from exc


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _function(
    logical_id: str, props: Mapping[str, Any], base_dir: Path | None, where: str
) -> FunctionSpec:
    handler = props.get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(
            f"{where}: function {logical_id}: Handler must be 'package.module.function', "
            f"got {handler!r}"
        )
    env_block = props.get("Environment") or {}
    variables = env_block.get("Variables") or {} if isinstance(env_block, dict) else {}
    events: list[ScheduleEvent | SqsEvent] = []
    unsupported: list[str] = []
    for name, event in (props.get("Events") or {}).items():
        kind = event.get("Type") if isinstance(event, dict) else None
        eprops = (event.get("Properties") or {}) if isinstance(event, dict) else {}
        if kind in ("Schedule", "ScheduleV2"):
            events.append(_schedule_event(logical_id, name, kind, eprops, where))
        elif kind == "SQS":
            events.append(_sqs_event(logical_id, name, eprops, where))
        else:
            unsupported.append(f"{name} ({kind})")
    code_uri = props.get("CodeUri")
    code_dir = (base_dir / code_uri).resolve() if base_dir and isinstance(code_uri, str) else None
    name = props.get("FunctionName")
    return FunctionSpec(
        logical_id=logical_id,
        handler=handler,
        timeout=_int(props.get("Timeout", DEFAULT_TIMEOUT_SECONDS), f"{logical_id} Timeout"),
        memory_size=_int(props.get("MemorySize", DEFAULT_MEMORY_MB), f"{logical_id} MemorySize"),
        env=dict(variables),
        events=events,
        function_url="FunctionUrlConfig" in props,
        function_name=name if isinstance(name, str) else logical_id,
        code_dir=code_dir,
        properties=props,
        unsupported_events=unsupported,
    )


def _schedule_event(
    function_id: str, name: str, kind: str, props: Mapping[str, Any], where: str
) -> ScheduleEvent:
    key = "Schedule" if kind == "Schedule" else "ScheduleExpression"
    expression = props.get(key)
    if not isinstance(expression, str):
        raise TemplateError(
            f"{where}: function {function_id} event {name}: {key} must be a literal "
            f"rate(...) or cron(...) expression, got {expression!r}"
        )
    enabled = _bool(props.get("Enabled", True))
    if str(props.get("State", "ENABLED")).upper() == "DISABLED":
        enabled = False
    raw_input = props.get("Input")
    rule_name = props.get("Name")
    timezone = props.get("ScheduleExpressionTimezone", "UTC")
    return ScheduleEvent(
        name=name,
        expression=expression,
        enabled=enabled,
        input=raw_input if isinstance(raw_input, str) else None,
        rule_name=rule_name if isinstance(rule_name, str) else None,
        timezone=timezone if isinstance(timezone, str) else "UTC",
        kind=kind,
    )


def _sqs_event(function_id: str, name: str, props: Mapping[str, Any], where: str) -> SqsEvent:
    queue = props.get("Queue")
    if isinstance(queue, GetAtt) and queue.attribute == "Arn":
        queue_id = queue.resource
    elif isinstance(queue, Ref):
        queue_id = queue.target
    else:
        raise TemplateError(
            f"{where}: function {function_id} event {name}: Queue must be "
            f"!GetAtt <QueueId>.Arn of a queue in this template, got {queue!r}"
        )
    response_types = props.get("FunctionResponseTypes") or []
    what = f"{function_id} event {name}"
    scaling = props.get("ScalingConfig") or {}
    maximum = scaling.get("MaximumConcurrency") if isinstance(scaling, Mapping) else None
    return SqsEvent(
        name=name,
        queue_id=queue_id,
        batch_size=_int(props.get("BatchSize", DEFAULT_SQS_BATCH_SIZE), f"{what} BatchSize"),
        report_batch_item_failures="ReportBatchItemFailures" in response_types,
        max_batching_window=_int(
            props.get("MaximumBatchingWindowInSeconds", 0), f"{what} MaximumBatchingWindow"
        ),
        enabled=_bool(props.get("Enabled", True)),
        maximum_concurrency=None
        if maximum is None
        else _int(maximum, f"{what} MaximumConcurrency"),
    )


def _queue(
    logical_id: str, props: Mapping[str, Any], parameters: Mapping[str, ParameterSpec], where: str
) -> QueueSpec:
    redrive = props.get("RedrivePolicy")
    dlq_id: str | None = None
    max_receive: int | None = None
    if isinstance(redrive, dict):
        target = redrive.get("deadLetterTargetArn")
        if isinstance(target, GetAtt) and target.attribute == "Arn":
            dlq_id = target.resource
        elif isinstance(target, str) and target.startswith("arn:"):
            dlq_id = target.rsplit(":", 1)[-1]
        else:
            raise TemplateError(
                f"{where}: queue {logical_id}: deadLetterTargetArn must be !GetAtt <Dlq>.Arn, "
                f"got {target!r}"
            )
        max_receive = _resolve_int(
            redrive.get("maxReceiveCount"),
            parameters,
            f"{where}: queue {logical_id} maxReceiveCount",
        )
    elif redrive is not None:
        raise TemplateError(f"{where}: queue {logical_id}: RedrivePolicy must be a mapping")
    what = f"{where}: queue {logical_id}"
    return QueueSpec(
        logical_id=logical_id,
        visibility_timeout=_resolve_int(
            props.get("VisibilityTimeout", DEFAULT_VISIBILITY_TIMEOUT_SECONDS),
            parameters,
            f"{what} VisibilityTimeout",
        ),
        dlq_id=dlq_id,
        max_receive_count=max_receive,
        fifo=_bool(props.get("FifoQueue", False)),
        delay_seconds=_resolve_int(props.get("DelaySeconds", 0), parameters, f"{what} Delay"),
        properties=props,
    )


def _resolve_int(value: Any, parameters: Mapping[str, ParameterSpec], what: str) -> int:
    """A literal, or a !Ref to a parameter with a Default (the value used when none is passed)."""
    if isinstance(value, Ref):
        param = parameters.get(value.target)
        if param is None:
            raise TemplateError(f"{what}: !Ref {value.target} is not a parameter")
        if not param.has_default:
            raise TemplateError(f"{what}: parameter {value.target} has no Default")
        return _int(param.default, f"{what} (parameter {value.target})")
    return _int(value, what)


# -- checks ---------------------------------------------------------------------------------------


def check_queue_rules(template: Template) -> list[str]:
    """Violations of the queue conventions in template.yaml's header; [] when all hold.

    sam validate does not notice a visibility timeout below the consumer's timeout, so the
    project checks these itself (ARCHITECTURE §5).
    """
    problems: list[str] = []
    for fn in template.functions.values():
        for event in fn.sqs_events:
            where = f"function {fn.logical_id} event {event.name}"
            queue = template.queues.get(event.queue_id)
            if queue is None:
                problems.append(f"{where}: queue {event.queue_id} is not an SQS queue here")
                continue
            if not event.report_batch_item_failures:
                problems.append(
                    f"{where}: FunctionResponseTypes must include ReportBatchItemFailures"
                )
            concurrency = event.maximum_concurrency
            if concurrency is None or not MIN_CONCURRENCY <= concurrency <= MAX_CONCURRENCY:
                problems.append(
                    f"{where}: ScalingConfig.MaximumConcurrency must bound the consumer "
                    f"({MIN_CONCURRENCY}-{MAX_CONCURRENCY}), got {concurrency}"
                )
            if queue.dlq_id is None:
                problems.append(f"queue {queue.logical_id}: no DLQ (RedrivePolicy missing)")
            elif queue.dlq_id not in template.queues:
                problems.append(
                    f"queue {queue.logical_id}: DLQ {queue.dlq_id} is not a queue in the template"
                )
            if queue.max_receive_count is not None and (
                queue.max_receive_count < MIN_MAX_RECEIVE_COUNT
            ):
                problems.append(
                    f"queue {queue.logical_id}: maxReceiveCount {queue.max_receive_count} "
                    f"< {MIN_MAX_RECEIVE_COUNT}"
                )
            needed = VISIBILITY_TIMEOUT_FACTOR * fn.timeout
            if queue.visibility_timeout < needed:
                problems.append(
                    f"queue {queue.logical_id}: VisibilityTimeout {queue.visibility_timeout}s "
                    f"< {VISIBILITY_TIMEOUT_FACTOR} x {fn.logical_id} Timeout {fn.timeout}s "
                    f"(= {needed}s)"
                )
    return sorted(set(problems), key=problems.index)


# -- handlers -------------------------------------------------------------------------------------


def resolve_handler(
    handler: str, *, function_id: str | None = None, code_dir: Path | None = None
) -> Handler:
    """Import `pkg.mod.func` as the Lambda runtime would; the error names function and handler."""
    label = f"function {function_id}: " if function_id else ""
    module_name, _, attr = handler.rpartition(".")
    if not module_name or not attr:
        raise TemplateError(f"{label}handler '{handler}' is not 'package.module.function'")
    if code_dir is not None and code_dir.is_dir() and str(code_dir) not in sys.path:
        sys.path.append(str(code_dir))  # the Lambda runtime puts CodeUri on the path too
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise TemplateError(
            f"{label}handler '{handler}' cannot be imported: {type(exc).__name__}: {exc}"
        ) from exc
    func = getattr(module, attr, None)
    if func is None:
        raise TemplateError(
            f"{label}handler '{handler}' cannot be imported: "
            f"module '{module_name}' has no attribute '{attr}'"
        )
    if not callable(func):
        raise TemplateError(f"{label}handler '{handler}' is not callable")
    resolved: Handler = func
    return resolved
