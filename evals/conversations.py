"""Conversation-scenario eval: scripted multi-turn conversations through the real server and graph.

A scenario (one JSON object a line) names its customers and a list of steps::

    {"name": "...", "customers": {"ana": {"name": "Ana Ruiz", "tier": "premium", "language": "es"}},
     "steps": [
       {"ticket": {"subject": "Charged twice for March", "category": "billing"}},   # set-up, as an agent would
       {"say": "Is there a ticket for my double charge?", "thread": "t1"},          # the customer writes
       {"staff": "claim", "agent": "kim"},                                          # claim|assign|reply|handback|close
       {"expect": {"replied_by": "bot", "reply_contains": ["T-"], "language": "es"}}]}

In ``say``, ``{ticket}`` stands for the customer's newest set-up ticket id and ``{ticket:alias}`` for
another customer's. ``customer`` (default: the first one) and ``thread`` (default ``main``) may be given
on any step; a new thread name starts a new conversation of that customer. After every step the thread's handoffs, the
customer's tickets and the thread's state must agree (support/handoff_lifecycle.disagreements), and no
reply may carry another customer's data. ``expect`` checks the end state of that moment:

- ``in_charge``: "bot" | "person"; ``handoff_status``: the thread's newest handoff status
- ``handoffs`` / ``open_handoffs``: counts on the thread; ``tickets`` / ``open_tickets``: the customer's
- ``ticket_status``: the status of the customer's newest ticket; ``resolved``: the thread's resolved flag
- ``replied_by``: "bot" | "person" | "notice" (the bot's handoff notice) for the last reply
- ``reply_contains`` / ``reply_excludes``: case-insensitive texts of this turn's replies
- ``citations``: true when this turn's answer cites the KB; ``language``: the language the reply is in
- ``memory_contains``: texts the customer's memories in the store must hold

Each scenario gets fresh customer ids, so a suite can run twice on one database. The last stdout line
is JSON: ``n``, ``passed`` and the failures (scenario, step, problem).
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from langgraph_sdk import get_client

from evals.jsonl import DataFileError, emit_metrics, progress, read_jsonl
from support.handoff_lifecycle import OPEN, disagreements

DEFAULT_DATA = Path(__file__).with_name("data") / "conversations.jsonl"
STEP_KINDS = ("say", "staff", "ticket", "expect")
STAFF_ACTIONS = ("claim", "assign", "reply", "handback", "close")
EXPECT_KEYS = frozenset(
    {
        "in_charge",
        "handoff_status",
        "handoffs",
        "open_handoffs",
        "tickets",
        "open_tickets",
        "ticket_status",
        "resolved",
        "replied_by",
        "reply_contains",
        "reply_excludes",
        "citations",
        "language",
        "memory_contains",
    }
)
ALL_HANDOFF_STATUSES = ["waiting", "claimed", "answered", "handed_back", "closed"]
BOT_NAME = "support-bot"


def validate(rows: list[dict[str, Any]], source: Path) -> None:
    """Raise DataFileError naming the scenario and step that the runner could not understand."""
    for number, row in enumerate(rows, start=1):
        where = f"{source}: scenario {number} ({row.get('name', '?')})"
        if not isinstance(row.get("name"), str) or not isinstance(row.get("steps"), list) or not row["steps"]:
            raise DataFileError(f"{where}: needs a name and a non-empty list of steps")
        customers = row.get("customers") or {"customer": {}}
        if not isinstance(customers, dict):
            raise DataFileError(f"{where}: customers must be an object of alias -> profile")
        last_thread = None
        for index, step in enumerate(row["steps"]):
            kinds = [kind for kind in STEP_KINDS if kind in step] if isinstance(step, dict) else []
            if len(kinds) != 1:
                raise DataFileError(f"{where}, step {index}: one of {', '.join(STEP_KINDS)}")
            if step.get("customer", next(iter(customers))) not in customers:
                raise DataFileError(f"{where}, step {index}: unknown customer {step.get('customer')!r}")
            if "staff" in step and step["staff"] not in STAFF_ACTIONS:
                raise DataFileError(f"{where}, step {index}: staff must be one of {', '.join(STAFF_ACTIONS)}")
            if "expect" in step and not set(step["expect"]) <= EXPECT_KEYS:
                unknown = sorted(set(step["expect"]) - EXPECT_KEYS)
                raise DataFileError(f"{where}, step {index}: unknown expectation {', '.join(unknown)}")
            if "expect" in step and last_thread and "thread" not in step:
                # An expectation checks the thread it names (default: the first); after a step in another
                # thread, leaving it out checked the wrong conversation without anyone noticing.
                raise DataFileError(f"{where}, step {index}: follows a step in thread {last_thread!r}; name a thread")
            if "say" in step or "staff" in step:
                last_thread = step.get("thread")


@dataclass
class Failure:
    scenario: str
    step: int
    problem: str

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "step": self.step, "problem": self.problem}


@dataclass
class Customer:
    alias: str
    id: str
    headers: dict[str, str]
    said: list[str] = field(default_factory=list)
    ticket_ids: list[str] = field(default_factory=list)
    name: str | None = None


@dataclass
class Run:
    """One scenario's live objects: its customers, their threads and the replies of the latest turn."""

    scenario: dict[str, Any]
    customers: dict[str, Customer]
    threads: dict[tuple[str, str], str] = field(default_factory=dict)
    last_reply: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    def fail(self, step: int, problem: str) -> None:
        self.failures.append(Failure(self.scenario["name"], step, problem))


class Driver:
    """Talks to one server: an admin key for set-up and staff actions, a signed token per customer."""

    def __init__(self, url: str, admin_headers: dict[str, str], token_for: Any) -> None:
        self.url = url
        self.admin_headers = admin_headers
        self.token_for = token_for
        self.http = httpx.AsyncClient(base_url=url, headers=admin_headers, timeout=300)

    async def close(self) -> None:
        await self.http.aclose()

    async def run(self, scenario: dict[str, Any]) -> list[Failure]:
        profiles = scenario.get("customers") or {"customer": {}}
        customers: dict[str, Customer] = {}
        for alias, profile in profiles.items():
            customer_id = f"{alias}-{uuid.uuid4().hex[:8]}"
            body = {"id": customer_id, **{k: v for k, v in (profile or {}).items() if k != "id"}}
            created = await self.http.post("/customers", json=body)
            if created.status_code not in (200, 201):
                raise RuntimeError(f"creating customer {alias}: {created.status_code} {created.text}")
            customers[alias] = Customer(
                alias, customer_id, self.token_for(customer_id), name=(profile or {}).get("name")
            )
        run = Run(scenario, customers)
        for index, step in enumerate(scenario["steps"]):
            alias = step.get("customer", next(iter(customers)))
            key = (alias, str(step.get("thread", "main")))
            try:
                await self._step(run, index, step, key)
            except Exception as error:  # noqa: BLE001 - a broken step is a failure of the scenario, not of the run
                run.fail(index, f"{type(error).__name__}: {error}")
                break
            if key in run.threads:
                await self._invariants(run, index, key)
        return run.failures

    async def _step(self, run: Run, index: int, step: dict[str, Any], key: tuple[str, str]) -> None:
        customer = run.customers[key[0]]
        if "ticket" in step:
            body = {"customer_id": customer.id, **step["ticket"]}
            created = await self.http.post("/tickets", json=body)
            if created.status_code != 201:
                raise RuntimeError(f"creating a ticket: {created.status_code} {created.text}")
            customer.ticket_ids.append(created.json()["id"])
        elif "say" in step:
            await self._say(run, customer, key, _fill(str(step["say"]), run, customer))
        elif "staff" in step:
            await self._staff(run, index, step, key)
        elif "expect" in step:
            await self._expect(run, index, step["expect"], key)

    async def _say(self, run: Run, customer: Customer, key: tuple[str, str], text: str) -> None:
        client = get_client(url=self.url, headers=customer.headers)
        if key not in run.threads:
            run.threads[key] = (await client.threads.create())["thread_id"]
        thread_id = run.threads[key]
        before = len(await self._messages(thread_id))
        customer.said.append(text)
        payload: dict[str, Any] = {"messages": [{"role": "user", "content": text}]}
        await client.runs.wait(thread_id, "support", input=payload, raise_error=True)
        run.last_reply[key] = (await self._messages(thread_id))[before + 1 :]

    async def _staff(self, run: Run, index: int, step: dict[str, Any], key: tuple[str, str]) -> None:
        thread_id = run.threads.get(key)
        handoffs = [h for h in await self._handoffs(thread_id) if h["status"] in OPEN] if thread_id else []
        if not handoffs:
            run.fail(index, f"staff {step['staff']}: no open handoff on thread {key[1]}")
            return
        body: dict[str, Any] = {"agent": step.get("agent", "agent")}
        if step["staff"] in ("reply", "handback", "close"):
            body["text"] = step.get("text", "")
        if step["staff"] == "close":
            body["resolution"] = step.get("resolution", "resolved")
        assert thread_id is not None
        before = len(await self._messages(thread_id))
        response = await self.http.post(f"/inbox/{handoffs[0]['id']}/{step['staff']}", json=body)
        if response.status_code != 200:
            run.fail(index, f"staff {step['staff']}: {response.status_code} {response.text[:300]}")
            return
        run.last_reply[key] = (await self._messages(thread_id))[before:]

    async def _messages(self, thread_id: str) -> list[dict[str, Any]]:
        state = await get_client(url=self.url, headers=self.admin_headers).threads.get_state(thread_id)
        values = state["values"] if isinstance(state["values"], dict) else {}
        return list(values.get("messages") or [])

    async def _handoffs(self, thread_id: str | None) -> list[dict[str, Any]]:
        listed = await self.http.get("/inbox", params={"status": ALL_HANDOFF_STATUSES, "limit": 500})
        listed.raise_for_status()
        return [h for h in listed.json()["items"] if h["thread_id"] == thread_id]

    async def _tickets(self, customer: Customer) -> list[dict[str, Any]]:
        listed = await self.http.get("/tickets", params={"customer_id": customer.id, "limit": 500})
        listed.raise_for_status()
        return list(listed.json()["tickets"])

    async def _thread(self, thread_id: str) -> dict[str, Any]:
        client = get_client(url=self.url, headers=self.admin_headers)
        thread = await client.threads.get(thread_id)
        state = await client.threads.get_state(thread_id)
        return {**thread, "values": state["values"] if isinstance(state["values"], dict) else {}}

    async def _invariants(self, run: Run, index: int, key: tuple[str, str]) -> None:
        customer = run.customers[key[0]]
        thread_id = run.threads[key]
        for problem in disagreements(
            await self._handoffs(thread_id), await self._tickets(customer), await self._thread(thread_id)
        ):
            run.fail(index, f"disagreement: {problem}")
        replies = " ".join(str(m.get("content", "")) for m in run.last_reply.get(key, []))
        # What this customer typed themselves (an id they asked about) is not another customer's data in their reply.
        own_words = " ".join(customer.said).lower()
        for other in run.customers.values():
            if other.alias == customer.alias:
                continue
            for marker in _markers(other):
                if marker.lower() in replies.lower() and marker.lower() not in own_words:
                    run.fail(index, f"{customer.alias}'s reply carries {other.alias}'s data: {marker!r}")

    async def _expect(self, run: Run, index: int, expect: dict[str, Any], key: tuple[str, str]) -> None:
        customer = run.customers[key[0]]
        thread_id = run.threads.get(key)
        if thread_id is None:
            run.fail(index, f"expect on thread {key[1]} before anything was said there")
            return
        handoffs = await self._handoffs(thread_id)
        tickets = await self._tickets(customer)
        thread = await self._thread(thread_id)
        values = thread["values"]
        replies = [m for m in run.last_reply.get(key, []) if m.get("type") == "ai"]
        text = " ".join(str(m.get("content", "")) for m in replies)
        facts: dict[str, Any] = {
            "in_charge": (values.get("escalation") or {}).get("in_charge") or "bot",
            "handoff_status": handoffs[0]["status"] if handoffs else None,
            "handoffs": len(handoffs),
            "open_handoffs": sum(h["status"] in OPEN for h in handoffs),
            "tickets": len(tickets),
            "open_tickets": sum(t["status"] in ("open", "in_progress", "pending") for t in tickets),
            "ticket_status": tickets[0]["status"] if tickets else None,
            "resolved": bool(values.get("resolved")),
            "replied_by": _author(replies[-1]) if replies else None,
            "citations": bool(values.get("turn_citations"))
            and any(author != "notice" for author in map(_author, replies)),
        }
        for name, wanted in expect.items():
            if name in facts and facts[name] != wanted:
                run.fail(index, f"{name}: expected {wanted!r}, got {facts[name]!r} (reply: {text[:200]!r})")
        for wanted in expect.get("reply_contains", []):
            if wanted.lower() not in text.lower():
                run.fail(index, f"reply lacks {wanted!r}: {text[:300]!r}")
        for unwanted in expect.get("reply_excludes", []):
            if unwanted.lower() in text.lower():
                run.fail(index, f"reply has {unwanted!r}: {text[:300]!r}")
        if "language" in expect:
            from signals.language import detect_language

            own = await self._own_words(text)
            found = detect_language(own) if own.strip() else None
            if found != expect["language"]:
                run.fail(index, f"language: expected {expect['language']}, got {found} ({text[:200]!r})")
        if "memory_contains" in expect:
            memories = await self._memories(customer)
            for wanted in expect["memory_contains"]:
                if wanted.lower() not in memories.lower():
                    run.fail(index, f"memory lacks {wanted!r}: {memories[:300]!r}")

    async def _own_words(self, text: str) -> str:
        """The reply without what it quotes from the cited KB articles (their lines and titles).

        The KB is English; offline, a reply in Spanish quotes the article's steps as they are, under a notice in
        Spanish that the article is in English. The language check is about the words the bot itself wrote.
        """
        import re

        quoted: list[str] = []
        for article_id in sorted(set(re.findall(r"\[([a-z0-9][a-z0-9-]*)\]", text))):
            found = await self.http.get(f"/kb/articles/{article_id}")
            if found.status_code == 200:
                article = found.json()
                quoted += [" ".join(str(article["body"]).split()), str(article["title"])]
        kept = []
        for line in text.splitlines():
            bare = " ".join(re.sub(r"^\s*(?:\d+\.|[-*])\s+", "", line).split())
            if "[" in bare and re.search(r"\[[a-z0-9-]+\]", bare):
                bare = re.sub(r"\[[a-z0-9-]+\][^,]*", "", bare)  # "Sources: [id] Title, ..." keeps "Sources:"
            if bare and not any(bare.replace("*", "") in q.replace("*", "") for q in quoted):
                kept.append(bare)
        return "\n".join(kept)

    async def _memories(self, customer: Customer) -> str:
        from graph.memory import memory_namespace

        client = get_client(url=self.url, headers=self.admin_headers)
        found = await client.store.search_items(memory_namespace("default", customer.id), limit=200)
        return " ".join(str(item["value"].get("text", "")) for item in found["items"])


def _fill(text: str, run: Run, customer: Customer) -> str:
    """``{ticket}`` is the customer's newest set-up ticket id, ``{ticket:alias}`` another customer's."""
    import re

    def ticket(match: re.Match[str]) -> str:
        owner = run.customers.get(match.group(1) or customer.alias)
        if owner is None or not owner.ticket_ids:
            raise ValueError(f"no set-up ticket for {match.group(0)}")
        return owner.ticket_ids[-1]

    return re.sub(r"\{ticket(?::(\w+))?\}", ticket, text)


def _author(message: dict[str, Any]) -> str:
    name = message.get("name")
    if name == BOT_NAME:
        return "notice"
    return "person" if name else "bot"


def _markers(customer: Customer) -> list[str]:
    """What would show that a reply carries this customer's data: ticket ids, long numbers, their name."""
    import re

    found = set(customer.ticket_ids)
    for said in customer.said:
        found.update(re.findall(r"\b\d{6,}\b", said))
    if customer.name:
        found.add(customer.name)
    return sorted(found)


async def run_suite(driver: Driver, scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    """Run every scenario in order; returns the metrics object (n, passed, failures, per-scenario results)."""
    failures: list[Failure] = []
    results: dict[str, bool] = {}
    for scenario in scenarios:
        found = await driver.run(scenario)
        results[scenario["name"]] = not found
        failures.extend(found)
        progress(f"{'PASS' if not found else 'FAIL'} {scenario['name']}")
        for failure in found:
            progress(f"  step {failure.step}: {failure.problem}")
    return {
        "n": len(scenarios),
        "passed": sum(results.values()),
        "results": results,
        "failures": [failure.as_dict() for failure in failures],
    }


def start_server(work: Path, *, model: str | None = None) -> Any:
    """A real `support-agent serve` on an embedded Postgres in ``work``, seeded with the demo KB."""
    from db.migrations import migrate
    from db.runtime import resolve_database_url
    from server.launcher import ServerProcess, write_config
    from settings import Settings

    database_url = resolve_database_url(Settings(data_dir=work))
    migrate(database_url)
    env = {"LLM_MODEL": model} if model else {}
    return ServerProcess(database_url, write_config(work), work / "server.log", seed=True, extra_env=env).start(
        timeout_s=900
    )


def main(
    data: Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="JSONL scenarios")] = DEFAULT_DATA,
    model: Annotated[
        str | None, typer.Option(help='LLM_MODEL for the server ("offline", "openai:gpt-4o-mini", ...)')
    ] = None,
    only: Annotated[str | None, typer.Option(help="Run the scenarios whose name contains this text.")] = None,
) -> None:
    """Run scripted conversations through a real server: a table per scenario, then the metrics JSON as last line.

    With LANGSMITH_API_KEY the run is uploaded as a LangSmith experiment (evals/conversations_qa.py).
    """
    scenarios = read_jsonl(data, required=("name", "steps"))
    validate(scenarios, data)
    if only:
        scenarios = [s for s in scenarios if only in s["name"]]
    from evals.conversations_qa import langsmith_enabled, result_table, upload_experiment
    from settings import get_settings

    model_name = model or get_settings().llm_model
    work = Path(tempfile.mkdtemp(prefix="eval-conversations-"))
    progress(f"starting a server in {work}")
    server = start_server(work, model=model)
    try:
        driver = Driver(server.url, server.headers, server.customer_headers)

        async def run_one(scenario: dict[str, Any]) -> list[dict[str, Any]]:
            found = await driver.run(scenario)
            progress(f"{'PASS' if not found else 'FAIL'} {scenario['name']}")
            return [failure.as_dict() for failure in found]

        async def go() -> dict[str, Any]:
            try:
                if langsmith_enabled():
                    return await upload_experiment(scenarios, run_one, model=model_name)
                return await run_suite(driver, scenarios)
            finally:
                await driver.close()

        metrics = asyncio.run(go())
    finally:
        server.stop()
    typer.echo(result_table(metrics, model=model_name))
    emit_metrics(metrics)
