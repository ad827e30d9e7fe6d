"""Run every function of a SAM template in this process, wired as AWS would wire it.

`Schedule` events become timers, `SQS` events in-process queues with SQS semantics, and
`FunctionUrlConfig` a local HTTP route fed payload-2.0 events — so a local run exercises the
same handlers as production (ARCHITECTURE §5). Handlers are sync and may call asyncio.run, so
they always run on the runner's thread or a worker thread, never inside an event loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Collection, Mapping, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from queue import SimpleQueue
from typing import Any

from fastapi import APIRouter

from walltrack.clock import Clock, SystemClock
from walltrack.log import get_logger
from walltrack.runtime.function_url import (
    Headers,
    Query,
    build_function_url_event,
    error_response,
    function_url_response,
)
from walltrack.runtime.local_queue import (
    LOCAL_ACCOUNT_ID,
    LocalMessage,
    LocalQueue,
    MemoryQueueStore,
    QueueState,
    QueueStore,
)
from walltrack.runtime.queues import (
    local_queue_url,
    register_local_queue,
    unregister_local_queue,
)
from walltrack.runtime.schedules import Schedule, parse_schedule
from walltrack.runtime.template import (
    FunctionSpec,
    GetAtt,
    Handler,
    Ref,
    ScheduleEvent,
    SqsEvent,
    Template,
    TemplateError,
    UnknownFunctionError,
    load_template,
    resolve_handler,
)
from walltrack.runtime.url_routes import function_url_router

InvocationScope = Callable[[], AbstractContextManager[object]]


class _FunctionWorker:
    """One daemon thread for one function, one invocation at a time, for the runtime's life:
    what the function builds per thread (its event loop, its HTTP clients) is kept between
    invocations, as in a warm Lambda container. A daemon, so Ctrl-C never waits on it."""

    def __init__(self, name: str) -> None:
        self._work: SimpleQueue[Callable[[], None] | None] = SimpleQueue()
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0  # submitted, not finished (a hand-off may queue behind a batch)
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def submit(self, work: Callable[[], None]) -> None:
        """Run `work` after whatever this worker is running or was given before."""
        with self._count_lock:
            self._pending += 1
            self._idle.clear()
        self._work.put(work)

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def stop(self) -> None:
        self._work.put(None)

    def _loop(self) -> None:
        while (work := self._work.get()) is not None:
            try:
                work()
            finally:
                with self._count_lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.set()


class _Handoff:
    """The runtime as its queues' `ConsumerHandoff` (see there)."""

    def __init__(self, runtime: LocalRuntime) -> None:
        self._runtime = runtime

    def takes(self, queue_id: str, count: int) -> bool:
        return self._runtime._takes(queue_id, count)

    def deliver(self, queue_id: str, messages: list[LocalMessage]) -> None:
        self._runtime._deliver_handed(queue_id, messages)


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    timeout_seconds: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        left = self._started + self.timeout_seconds - time.monotonic()
        return max(0, int(left * 1000))


@dataclass
class _ScheduleState:
    function_id: str
    event: ScheduleEvent
    schedule: Schedule
    next_fire: datetime | None = None


@dataclass(frozen=True)
class _SqsMapping:
    function_id: str
    event: SqsEvent


def _default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


class LocalRuntime:
    """The template's functions, queues and schedules, in one process.

    Drive it with `run_until_idle()` (deterministic, for tests with a ManualClock) or
    `start()`/`stop()` (a daemon thread, real time). Queues are registered for
    `queue_port_for("local://queue/<Id>")` from construction until `close()`.
    `exclude`: functions not to run here (their queues and env vars still are); `env`: the
    mapping `apply_environment` writes (default os.environ); `apply_env=True` applies it before
    the handlers are imported, for handlers that read the environment at import.
    `invocation_scope`: entered around every invocation (e.g. binding the application's
    container, `walltrack.app.process.bound`), on the thread the handler runs on.
    `queue_store`: where the queues keep their messages (default: this process's memory);
    `walltrack run` passes the Postgres store so queued and in-flight messages survive a
    restart. `function_url_base`: where `url_router()` is served (the local API's base URL):
    `!GetAtt <Function>Url.FunctionUrl` then resolves to `<base>/fn/<Function>/`.
    The runtime owns the store and closes it. A runtime owns its queues: one runtime
    per store at a time, so at construction every message a previous runtime received and did
    not delete (it died mid-batch) becomes visible at once, its receive count kept, rather
    than after the rest of its visibility timeout as SQS would make it wait. The consumer that
    held it is gone for sure, the timeouts are long (6x the function's) on business time, and a
    message that kills the process every time still reaches the DLQ by its receive count.
    Not modelled: FIFO groups, MaximumBatchingWindow, retries of failed scheduled invocations.
    """

    def __init__(
        self,
        template: Template | str | Path,
        *,
        clock: Clock | None = None,
        exclude: frozenset[str] | set[str] = frozenset(),
        env: MutableMapping[str, str] | None = None,
        apply_env: bool = False,
        poll_interval: float = 0.25,
        region: str | None = None,
        invocation_scope: InvocationScope | None = None,
        queue_store: QueueStore | None = None,
        function_url_base: str | None = None,
    ) -> None:
        self.template = template if isinstance(template, Template) else load_template(template)
        self.function_url_base = function_url_base.rstrip("/") if function_url_base else None
        self.clock: Clock = clock or SystemClock()
        self.region = region or _default_region()
        self.poll_interval = poll_interval
        self._env: MutableMapping[str, str] = os.environ if env is None else env
        self.invocation_scope: InvocationScope = invocation_scope or nullcontext
        self._log = get_logger(component="local_runtime")
        unknown = set(exclude) - set(self.template.functions)
        if unknown:
            raise TemplateError(f"exclude names unknown function(s): {', '.join(sorted(unknown))}")
        self.functions: dict[str, FunctionSpec] = {
            fid: spec for fid, spec in self.template.functions.items() if fid not in exclude
        }
        self._wake = threading.Event()
        # what woke the background dispatcher: queues sent to (their consumers are started
        # without counting every queue first) and whether every queue must be polled
        self._wake_lock = threading.Lock()
        self._sent_to: set[str] = set()
        self._poll_all = True
        self._polled_all_at = float("-inf")
        self._stopping = threading.Event()
        self._drive_lock = threading.RLock()
        self._thread: threading.Thread | None = None
        # background mode: one long-lived worker thread per function (its clients and event
        # loop live on it, as in a warm Lambda container), one invocation at a time
        self._workers: dict[str, _FunctionWorker] = {}
        self._workers_lock = threading.Lock()  # senders' hand-offs start workers too
        self._polled_states: Mapping[str, QueueState] | None = None
        self._store: QueueStore = queue_store if queue_store is not None else MemoryQueueStore()
        self._consumer_of: dict[str, _SqsMapping] = {}
        self._handoff = _Handoff(self)
        self._queues = self._build_queues()
        self._schedules = self._build_schedules()
        self._mappings = self._build_mappings()
        self._consumer_of = self._single_consumers()
        for queue_id, queue in self._queues.items():
            register_local_queue(queue_id, queue)
        try:
            released = self._store.release_in_flight(list(self._queues), now=self.clock.now())
            if released:
                self._log.info("in-flight messages of a previous run made visible", count=released)
            if apply_env:
                self.apply_environment()
            self._handlers: dict[str, Handler] = {
                fid: resolve_handler(spec.handler, function_id=fid, code_dir=spec.code_dir)
                for fid, spec in self.functions.items()
            }
        except BaseException:
            self.close()
            raise
        self._arm_schedules(self.clock.now())

    # -- construction ---------------------------------------------------------------------------

    def _build_queues(self) -> dict[str, LocalQueue]:
        specs = self.template.queues
        queues: dict[str, LocalQueue] = {}

        def build(queue_id: str, seen: tuple[str, ...] = ()) -> LocalQueue:
            if queue_id in queues:
                return queues[queue_id]
            if queue_id in seen:
                raise TemplateError(f"queue {queue_id}: its DLQ chain loops back to itself")
            spec = specs[queue_id]
            dlq = None
            if spec.dlq_id is not None:
                if spec.dlq_id not in specs:
                    raise TemplateError(
                        f"queue {queue_id}: DLQ {spec.dlq_id} is not a queue in the template"
                    )
                dlq = build(spec.dlq_id, (*seen, queue_id))
            if spec.fifo:
                self._log.warning("FIFO ordering is not modelled locally", queue=queue_id)
            queues[queue_id] = LocalQueue(
                queue_id,
                clock=self.clock,
                store=self._store,
                visibility_timeout=spec.visibility_timeout,
                delay_seconds=spec.delay_seconds,
                dead_letter=dlq,
                max_receive_count=spec.max_receive_count if dlq is not None else None,
                region=self.region,
                on_send=partial(self._on_send, queue_id),
                handoff=self._handoff,
            )
            return queues[queue_id]

        for queue_id in specs:
            build(queue_id)
        return queues

    def _build_schedules(self) -> list[_ScheduleState]:
        states = []
        for fid, spec in self.functions.items():
            for event in spec.schedules:
                try:
                    schedule = parse_schedule(event.expression, timezone=event.timezone)
                    if event.input is not None:
                        json.loads(event.input)
                except (TemplateError, ValueError) as exc:
                    raise TemplateError(f"function {fid} event {event.name}: {exc}") from exc
                states.append(_ScheduleState(fid, event, schedule))
            if spec.unsupported_events:
                self._log.warning(
                    "events not run locally",
                    function=fid,
                    events=spec.unsupported_events,
                )
        return states

    def _build_mappings(self) -> list[_SqsMapping]:
        mappings = []
        for fid, spec in self.functions.items():
            for event in spec.sqs_events:
                if event.queue_id not in self._queues:
                    raise TemplateError(
                        f"function {fid} event {event.name}: queue {event.queue_id} "
                        "is not an SQS queue in the template"
                    )
                if event.enabled:
                    mappings.append(_SqsMapping(fid, event))
        return mappings

    def _single_consumers(self) -> dict[str, _SqsMapping]:
        """Each queue read by exactly one enabled mapping: the queues a send may hand to their
        consumer (`_Handoff`)."""
        by_queue: dict[str, list[_SqsMapping]] = {}
        for mapping in self._mappings:
            by_queue.setdefault(mapping.event.queue_id, []).append(mapping)
        return {queue_id: found[0] for queue_id, found in by_queue.items() if len(found) == 1}

    def _arm_schedules(self, now: datetime) -> None:
        for state in self._schedules:
            enabled = state.event.enabled
            state.next_fire = state.schedule.next_after(now, anchor=now) if enabled else None

    # -- environment ----------------------------------------------------------------------------

    def apply_environment(self) -> dict[str, str]:
        """Put each function's env vars into the (one, shared) process environment.

        Queue refs always win (they must point at the in-process queues); literals and
        parameter Defaults only fill vars not already set, so a developer's export wins.
        Covers excluded functions as well. Returns what was written.
        """
        chosen: dict[str, tuple[str, bool, str]] = {}  # var -> (value, force, function)
        # excluded functions too: their code may still run here another way (the API app)
        for fid, spec in self.template.functions.items():
            for var, raw in spec.env.items():
                resolved = self._resolve_env_value(raw)
                if resolved is None:
                    continue
                value, force = resolved
                if var in chosen and chosen[var][0] != value:
                    other = chosen[var][2]
                    raise TemplateError(
                        f"env var {var} is {chosen[var][0]!r} for {other} but {value!r} for "
                        f"{fid}: functions share one process locally, so they must agree"
                    )
                chosen[var] = (value, force, fid)
        written: dict[str, str] = {}
        for var, (value, force, _fid) in chosen.items():
            if force or var not in self._env:
                self._env[var] = value
                written[var] = value
        self._env["WALLTRACK_LOCAL_RUNTIME"] = "1"
        return written

    def _resolve_env_value(self, raw: Any) -> tuple[str, bool] | None:
        if isinstance(raw, bool):
            return ("true" if raw else "false"), False
        if isinstance(raw, str | int | float):
            return str(raw), False
        if isinstance(raw, Ref):
            return self._resolve_ref(raw.target)
        if isinstance(raw, GetAtt) and raw.resource in self._queues:
            queue = self._queues[raw.resource]
            by_attribute = {"QueueUrl": local_queue_url(raw.resource), "Arn": queue.arn}
            by_attribute["QueueName"] = raw.resource
            value = by_attribute.get(raw.attribute)
            return (value, True) if value is not None else None
        if isinstance(raw, GetAtt) and raw.attribute == "FunctionUrl":
            url = self.function_url(raw.resource.removesuffix("Url"))
            return (url, False) if url is not None else None  # an export (a tunnel) wins
        return None  # Fn::Sub, Fn::If, ...: not evaluated locally

    def function_url(self, function_id: str) -> str | None:
        """The local URL of a function's Function URL (as `url_router()` serves it), or None
        without a `function_url_base` or when the function has no FunctionUrlConfig."""
        spec = self.template.functions.get(function_id)
        if self.function_url_base is None or spec is None or not spec.function_url:
            return None
        return f"{self.function_url_base}/fn/{function_id}/"

    def _resolve_ref(self, target: str) -> tuple[str, bool] | None:
        if target in self._queues:
            return local_queue_url(target), True
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": LOCAL_ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": "walltrack-local",
        }
        if target in pseudo:
            return pseudo[target], False
        parameter = self.template.parameters.get(target)
        if parameter is None or not parameter.has_default:
            return None
        default = parameter.default
        if isinstance(default, bool):
            return ("true" if default else "false"), False
        return ("" if default is None else str(default)), False

    # -- accessors ------------------------------------------------------------------------------

    def queue(self, queue_id: str) -> LocalQueue:
        try:
            return self._queues[queue_id]
        except KeyError:
            known = ", ".join(sorted(self._queues)) or "none"
            raise UnknownFunctionError(f"no queue {queue_id!r} (queues: {known})") from None

    def handler(self, function_id: str) -> Handler:
        try:
            return self._handlers[function_id]
        except KeyError:
            raise UnknownFunctionError(f"no function {function_id!r} in the runtime") from None

    # -- invoking -------------------------------------------------------------------------------

    def invoke(self, function_id: str, event: Any) -> Any:
        """Call a handler with an event and a context; exceptions propagate to the caller."""
        handler = self.handler(function_id)
        spec = self.functions[function_id]
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                f"function {function_id}: handlers may call asyncio.run, so invoke them from a "
                "worker thread, not inside a running event loop"
            )
        context = LambdaContext(
            function_name=spec.function_name,
            aws_request_id=str(uuid.uuid4()),
            memory_limit_in_mb=spec.memory_size,
            invoked_function_arn=(
                f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT_ID}:function:{spec.function_name}"
            ),
            timeout_seconds=spec.timeout,
            log_group_name=f"/aws/lambda/{spec.function_name}",
        )
        started = time.monotonic()
        try:
            with self.invocation_scope():
                return handler(event, context)
        finally:
            elapsed = time.monotonic() - started
            if elapsed > spec.timeout:
                self._log.warning(
                    "handler ran past its Timeout (AWS would have stopped it)",
                    function=function_id,
                    seconds=round(elapsed, 3),
                    timeout=spec.timeout,
                )

    # -- schedules ------------------------------------------------------------------------------

    def _schedule_event(self, state: _ScheduleState, when: datetime) -> Any:
        if state.event.input is not None:
            return json.loads(state.event.input)  # EventBridge: Input replaces the event
        spec = self.functions[state.function_id]
        rule = state.event.rule_name or f"{spec.function_name}-{state.event.name}"
        if state.event.kind == "ScheduleV2":
            resource = f"arn:aws:scheduler:{self.region}:{LOCAL_ACCOUNT_ID}:schedule/default/{rule}"
        else:
            resource = f"arn:aws:events:{self.region}:{LOCAL_ACCOUNT_ID}:rule/{rule}"
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": LOCAL_ACCOUNT_ID,
            "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [resource],
            "detail": {},
        }

    def _run_schedule(self, state: _ScheduleState, when: datetime) -> None:
        log = self._log.bind(function=state.function_id, schedule=state.event.name)
        log.info("schedule fired", at=when.isoformat())
        try:
            self.invoke(state.function_id, self._schedule_event(state, when))
        except Exception:
            # an async invoke's failure is logged, not raised: the next tick still runs
            log.exception("scheduled invocation failed")

    def fire_schedule(self, function_id: str, event_name: str | None = None) -> Any:
        """Run a function's schedule now ("run now"), whatever its time or Enabled flag."""
        states = [s for s in self._schedules if s.function_id == function_id]
        if event_name is not None:
            states = [s for s in states if s.event.name == event_name]
        if not states:
            what = f"schedule {event_name!r}" if event_name else "a schedule"
            raise UnknownFunctionError(f"function {function_id!r} has no {what}")
        state = states[0]
        with self._drive_lock:
            return self.invoke(function_id, self._schedule_event(state, self.clock.now()))

    def _fire_due_schedules(self) -> int:
        now = self.clock.now()
        fired = 0
        for state in self._schedules:
            if state.next_fire is None or state.next_fire > now:
                continue
            when = state.next_fire
            # fire once for any number of missed ticks: a blocked runner must not burst
            state.next_fire = state.schedule.next_after(now, anchor=when)
            self._run_schedule(state, when)
            fired += 1
        return fired

    # -- queues ---------------------------------------------------------------------------------

    def _deliver_batch(self, mapping: _SqsMapping) -> int:
        """Receive one batch and invoke the consumer; 1 if anything happened, else 0."""
        queue = self._queues[mapping.event.queue_id]
        moved_before = queue.dead_lettered
        batch = queue.receive(mapping.event.batch_size)
        if not batch:
            # a move to the DLQ is progress too: a DLQ consumer may have work now
            return 1 if queue.dead_lettered > moved_before else 0
        self._invoke_batch(mapping, batch)
        return 1

    def _invoke_batch(self, mapping: _SqsMapping, batch: list[LocalMessage]) -> None:
        """Invoke the consumer with received messages; delete those it did not fail."""
        queue = self._queues[mapping.event.queue_id]
        ids = [m.message_id for m in batch]
        log = self._log.bind(function=mapping.function_id, queue=queue.queue_id)
        log.debug("batch delivered", message_ids=ids)
        try:
            result = self.invoke(mapping.function_id, {"Records": [queue.record(m) for m in batch]})
        except Exception:
            log.exception("batch failed; its messages return after the visibility timeout")
            return
        failed = self._failed_ids(mapping.event, result, batch)
        for message in batch:
            if message.message_id not in failed and message.receipt_handle:
                queue.delete(message.receipt_handle)
        if failed:
            log.warning("batch item failures", message_ids=sorted(failed))

    def _failed_ids(self, event: SqsEvent, result: Any, batch: list[LocalMessage]) -> set[str]:
        """Which messages stay, per AWS: a partial response counts only with
        ReportBatchItemFailures; a malformed one fails the whole batch."""
        if not event.report_batch_item_failures or not isinstance(result, Mapping):
            return set()
        items = result.get("batchItemFailures")
        if not items:
            return set()
        ids = {m.message_id for m in batch}
        if not isinstance(items, list):
            return ids
        failed: set[str] = set()
        for item in items:
            item_id = item.get("itemIdentifier") if isinstance(item, Mapping) else None
            if not isinstance(item_id, str) or item_id not in ids:
                self._log.warning("malformed batchItemFailures: the whole batch fails")
                return ids
            failed.add(item_id)
        return failed

    def _poll_queues(self) -> int:
        return sum(self._deliver_batch(mapping) for mapping in self._mappings)

    # -- driving --------------------------------------------------------------------------------

    def tick(self) -> int:
        """One pass: fire due schedules, deliver one batch per SQS mapping. Returns the number
        of things that happened (invocations, moves to a DLQ); 0 means idle."""
        with self._drive_lock:
            return self._fire_due_schedules() + self._poll_queues()

    def run_until_idle(self, max_iterations: int = 1000) -> int:
        """Tick until nothing is due at the clock's current time; returns what `tick` counted.

        Time does not move here: advance the ManualClock to let visibility timeouts expire
        and schedules come due.
        """
        total = 0
        for _ in range(max_iterations):
            done = self.tick()
            if done == 0:
                return total
            total += done
        raise RuntimeError(
            f"not idle after {max_iterations} passes: does a handler keep feeding its own queue?"
        )

    def start(self) -> None:
        """Run schedules and queues on a daemon thread, in real time, until stop()."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        with self._drive_lock:
            self._arm_schedules(self.clock.now())
        self._thread = threading.Thread(target=self._loop, name="walltrack-runtime", daemon=True)
        self._thread.start()
        self._log.info(
            "local runtime started",
            functions=sorted(self.functions),
            queues=sorted(self._queues),
            schedules=len(self._schedules),
        )

    def _loop(self) -> None:
        with self._wake_lock:
            self._poll_all = True  # the first pass looks at every queue
        queues_due: list[datetime] | None = None  # read again after each poll of every queue
        while not self._stopping.is_set():
            self._wake.clear()
            sent_to, poll_all = self._take_wake_reasons()
            try:
                self._polled_states = None
                done = self._dispatch(sent_to=sent_to, poll_all=poll_all)
                if poll_all:
                    queues_due = None
                if done == 0 and queues_due is None:
                    queues_due = self._queues_due()
            except Exception:  # noqa: BLE001 - the runner thread must outlive one bad pass
                self._log.exception("local runtime dispatch failed")
                done = 0
            if done == 0 and not self._wake.wait(self._idle_wait(queues_due or ())):
                with self._wake_lock:
                    self._poll_all = True  # the wait ran out: something may be due

    def _on_send(self, queue_id: str) -> None:
        """A queue's send (or its move of messages to its DLQ): wake the dispatcher, which
        starts that queue's consumer at once, without polling every queue first."""
        with self._wake_lock:
            self._sent_to.add(queue_id)
        self._wake.set()

    def _take_wake_reasons(self) -> tuple[set[str], bool]:
        """The queues sent to since the last pass, and whether this pass polls every queue:
        after a worker finished (its queue may hold more, another may now), when the wait
        ran out, and at least every poll_interval however often sends wake the dispatcher
        (messages becoming visible, or added by another process, are found by polling)."""
        now = time.monotonic()
        with self._wake_lock:
            sent_to, self._sent_to = self._sent_to, set()
            poll_all = self._poll_all or now - self._polled_all_at >= self.poll_interval
            self._poll_all = False
            if poll_all:
                self._polled_all_at = now
        return sent_to, poll_all

    def _dispatch(self, *, sent_to: Collection[str] = (), poll_all: bool = True) -> int:
        """Background mode: each function runs on a worker thread of its own, one invocation
        at a time (like reserved concurrency 1), so a long profiling batch never holds back
        another function's schedule, as in AWS. A busy function skips a schedule tick (its
        handler decides what is due) and leaves its queue for later (the pass after it
        finishes polls every queue). The consumer of a queue in `sent_to` starts without a
        count (its receive finds what there is); the other queues are counted only when
        `poll_all`, a busy function's never. `tick()` stays sequential: tests drive it
        deterministically."""
        started = 0
        now = self.clock.now()
        # one statement for every consumed queue (a Postgres store), read only on a full poll
        states = self._poll_states(now) if poll_all else None
        for state in self._schedules:
            if state.next_fire is None or state.next_fire > now:
                continue
            when = state.next_fire
            state.next_fire = state.schedule.next_after(now, anchor=when)
            if self._start_worker(state.function_id, self._run_schedule, state, when):
                started += 1
        for mapping in self._mappings:
            queue_id = mapping.event.queue_id
            worker = self._workers.get(mapping.function_id)
            if worker is not None and worker.busy:
                if queue_id in sent_to:  # kept for the pass its worker wakes when it is done
                    with self._wake_lock:
                        self._sent_to.add(queue_id)
                continue
            if queue_id not in sent_to and (states is None or states[queue_id].visible == 0):
                continue
            if self._start_worker(mapping.function_id, self._deliver_batch, mapping):
                started += 1
        return started

    def _start_worker(
        self, function_id: str, work: Callable[..., Any], *args: Any, behind: bool = False
    ) -> bool:
        """Give `work(*args)` to the function's worker thread (made at its first use); refused
        while it is busy, unless `behind` (a hand-off: it runs after the worker's current work).

        When the work is done the dispatcher polls every queue (a received batch may have left
        more behind, a schedule's work may have sent without a hand-off), except after a
        hand-off: its messages came from the sender, and what was sent meanwhile to a busy
        worker's queue is kept for the next pass (`_dispatch`), which this wakes. That poll
        (a statement) raced the next consumer of the copy loop on every hop."""

        def run() -> None:
            try:
                work(*args)
            except Exception:  # noqa: BLE001 - a worker must never die silently
                self._log.exception("local runtime worker failed", function=function_id)
            finally:
                with self._wake_lock:
                    if not behind:
                        self._poll_all = True
                    wake = self._poll_all or bool(self._sent_to)
                if wake:
                    self._wake.set()

        with self._workers_lock:
            worker = self._workers.get(function_id)
            if worker is not None and worker.busy and not behind:
                return False
            if worker is None:
                worker = _FunctionWorker(f"walltrack-{function_id}")
                self._workers[function_id] = worker
            worker.submit(run)
        return True

    def _takes(self, queue_id: str, count: int) -> bool:
        """`_Handoff.takes`: in background mode, for a queue with one consumer, a batch it
        takes at once, while its worker is idle (else the send waits in the queue, so that
        what piles up behind a long invocation is received in batches, as before)."""
        mapping = self._consumer_of.get(queue_id)
        if mapping is None or count > mapping.event.batch_size:
            return False
        if self._thread is None or self._stopping.is_set():
            return False
        worker = self._workers.get(mapping.function_id)
        return worker is None or not worker.busy

    def _deliver_handed(self, queue_id: str, messages: list[LocalMessage]) -> None:
        """`_Handoff.deliver`: invoke the consumer with messages stored as received, on its
        worker (behind its current work, if it took some since `_takes`). When stopping they
        stay in flight: the next runtime's start makes them visible."""
        mapping = self._consumer_of[queue_id]
        if self._stopping.is_set():
            self._log.info("hand-off after stop: messages left in flight", queue=queue_id)
            return
        self._start_worker(mapping.function_id, self._invoke_batch, mapping, messages, behind=True)

    def _poll_states(self, now: datetime) -> Mapping[str, QueueState]:
        """Every consumed queue's counts and next visible time, in one read of the store; kept
        for `_queues_due` until the next pass (a pass that starts nothing changes none)."""
        consumed = sorted({m.event.queue_id for m in self._mappings})
        self._polled_states = self._store.states(consumed, now=now)
        return self._polled_states

    def _queues_due(self) -> list[datetime]:
        """When each consumed queue's next message becomes visible (in flight or delayed).
        Read after the passes that poll every queue only: what changes these times (a
        receive, a delete, a delayed send) is a worker's doing, and the pass after a worker
        finishes polls every queue; another process's sends are found by the timer's. Taken
        from that poll's read when it started nothing, else read again."""
        states = self._polled_states
        if states is None:
            states = self._poll_states(self.clock.now())
        return [s.next_visible_at for s in states.values() if s.next_visible_at is not None]

    def _idle_wait(self, queues_due: Collection[datetime] = ()) -> float:
        """Sleep until the next schedule or queued message (`queues_due`) is due, at most
        poll_interval."""
        now = self.clock.now()
        due = [s.next_fire for s in self._schedules if s.next_fire is not None]
        due += queues_due
        future = [t for t in due if t > now]
        if not future:
            return self.poll_interval
        return min(self.poll_interval, (min(future) - now).total_seconds())

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                self._log.warning("local runtime thread still busy after stop", timeout=timeout)
        deadline = time.monotonic() + timeout
        for function_id, worker in list(self._workers.items()):
            if not worker.wait_idle(max(0.0, deadline - time.monotonic())):
                self._log.warning("function still running after stop", function=function_id)
            worker.stop()
        self._workers.clear()

    def close(self) -> None:
        """Stop, unregister the queues from `queue_port_for` and close the queue store."""
        self.stop()
        for queue_id, queue in self._queues.items():
            unregister_local_queue(queue_id, queue)
        self._store.close()

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- Function URLs --------------------------------------------------------------------------

    def invoke_url(  # noqa: PLR0917 - positional order is the agreed interface
        self,
        function_id: str,
        method: str,
        path: str = "/",
        headers: Headers | None = None,
        body: bytes | str | None = None,
        query: Query = None,
        *,
        source_ip: str = "127.0.0.1",
    ) -> dict[str, Any]:
        """Call a Function URL handler with a payload-2.0 event; the normalised HTTP result."""
        spec = self.functions.get(function_id)
        if spec is None or not spec.function_url:
            raise UnknownFunctionError(f"no function with a Function URL named {function_id!r}")
        event = build_function_url_event(
            function_name=spec.function_name,
            method=method,
            path=path,
            headers=headers,
            body=body,
            query=query,
            source_ip=source_ip,
            region=self.region,
            now=self.clock.now(),
        )
        log = self._log.bind(function=function_id, path=event["rawPath"], method=method.upper())
        try:
            result = self.invoke(function_id, event)
        except Exception:
            log.exception("function URL invocation failed")
            return error_response()
        response = function_url_response(result)
        log.debug("function URL answered", status=response["statusCode"])
        return response

    def url_router(self) -> APIRouter:
        """`/fn/{function_id}/{path}` → the function's handler, as its Function URL would."""
        return function_url_router(self.invoke_url)
