"""Who may do what on the LangGraph API: one ``Auth`` with an authenticate handler and small ``@auth.on`` handlers.

``authenticate`` turns a service key, a customer token or a staff session into a verified ``Identity`` (see
``identity``); a request without one is 401. Aegra owns threads and runs by the tenant (``Identity.aegra_identity``),
so tenants never see each other's rows; the handlers below narrow a customer to their own threads and memories
(anything else is 404, as if it did not exist) and apply the role table in ``identity.policy``. A run's context is
rewritten to the verified tenant and customer, so the graph never takes a client's word for who is talking.
"""

from __future__ import annotations

from typing import Any

from langgraph_sdk import Auth
from psycopg.rows import dict_row

from identity.model import Identity, valid_customer_id
from identity.policy import Action, allowed
from identity.resolve import CredentialRejected
from server.request_facts import current_request, required_identity

auth = Auth()
_FIELDS = ("tenant", "role", "proof", "subject", "customer_id")


def user_dict(identity: Identity) -> Auth.types.MinimalUserDict:
    """The identity as the user dict Aegra stores on the request and passes to the graph."""
    user: dict[str, Any] = {
        "identity": identity.aegra_identity,
        "display_name": identity.display_name or identity.actor(),
        "is_authenticated": True,
        "permissions": [identity.role],
    }
    user.update({name: getattr(identity, name) for name in _FIELDS})
    return user  # type: ignore[return-value]


def identity_of(user: Any) -> Identity:
    """The Identity behind an ``@auth.on`` handler's ``ctx.user``."""
    fields: dict[str, Any] = {name: getattr(user, name, None) for name in _FIELDS}
    if not fields["tenant"] or not fields["role"]:
        raise Auth.exceptions.HTTPException(status_code=401, detail="authentication required")
    return Identity(**fields)


def _not_found(what: str) -> Auth.exceptions.HTTPException:
    return Auth.exceptions.HTTPException(status_code=404, detail=f"{what} not found")


def _forbid(identity: Identity, action: Action) -> None:
    if not allowed(identity, action):
        raise Auth.exceptions.HTTPException(status_code=403, detail=f"role {identity.role!r} may not {action}")


@auth.authenticate
async def authenticate(headers: dict[str, str]) -> Auth.types.MinimalUserDict:
    """Verify the request's key, token or session; 401 without one."""
    facts = current_request()
    try:
        identity = await required_identity(headers, method=facts.method if facts else "GET")
    except CredentialRejected as exc:
        raise Auth.exceptions.HTTPException(status_code=exc.status_code, detail=exc.public_message()) from exc
    return user_dict(identity)


async def _thread_owner(thread_id: str) -> tuple[str, str | None] | None:
    """(Aegra owner, customer id) of a thread, or None when there is no such thread."""
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT user_id, metadata_json->>'customer_id' AS customer_id FROM thread WHERE thread_id = %s",
            (thread_id,),
        )
        row = await cur.fetchone()
    return (row["user_id"], row["customer_id"]) if row else None


async def _check_thread(identity: Identity, thread_id: Any) -> tuple[str, str | None] | None:
    """404 unless ``identity`` may see the thread; returns its owner facts (None for a thread not created yet)."""
    if not isinstance(thread_id, str) or not thread_id:
        return None
    owner = await _thread_owner(thread_id)
    if owner is None:
        return None
    if owner[0] != identity.aegra_identity:
        raise _not_found(f"Thread '{thread_id}'")
    if identity.is_customer and owner[1] != identity.customer_id:
        raise _not_found(f"Thread '{thread_id}'")
    return owner


async def on_thread_create(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> None:
    """A customer's thread is theirs; a service names the customer in metadata, or the first run does.

    The owner is written into ``value["metadata"]`` in place: Aegra and ``langgraph dev`` both store what the
    handler put there (a returned dict would be a filter to ``langgraph dev``).
    """
    identity = identity_of(ctx.user)
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        metadata = value["metadata"] = {}
    if identity.is_customer:
        metadata["customer_id"] = identity.customer_id
    else:
        customer = metadata.get("customer_id")
        if customer is not None and (not isinstance(customer, str) or not valid_customer_id(customer)):
            raise Auth.exceptions.HTTPException(status_code=422, detail="metadata.customer_id is not a valid id")
    metadata["tenant"] = identity.tenant


async def on_create_run(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> dict[str, Any] | None:
    """Runs act for the verified customer: the context's tenant and customer are set here, never by the client.

    The forced context is written in place, where each runtime keeps it: Aegra passes the run request itself
    (``value["context"]``), ``langgraph dev`` passes the run's ``kwargs``. ``langgraph dev`` also gets the customer
    as a filter, which it matches against the thread's metadata (its threads are not in Aegra's table).
    """
    identity = identity_of(ctx.user)
    resumes = value.get("command") is not None and value.get("input") is None and value.get("thread_id")
    if not (resumes and allowed(identity, "inbox.reply")):
        _forbid(identity, "runs.create")  # staff resume a paused conversation (the inbox); they never start one
    owner = await _check_thread(identity, value.get("thread_id"))
    holder = value["kwargs"] if isinstance(value.get("kwargs"), dict) else value
    context = holder.get("context") or {}
    if not isinstance(context, dict):
        raise Auth.exceptions.HTTPException(status_code=422, detail="context must be an object")
    named_tenant = context.get("tenant")
    if named_tenant is not None and named_tenant != identity.tenant:
        raise Auth.exceptions.HTTPException(status_code=403, detail="context.tenant is not the caller's tenant")
    named = context.get("customer_id")
    if identity.is_customer:
        if named is not None and named != identity.customer_id:
            raise Auth.exceptions.HTTPException(status_code=403, detail="context.customer_id is not the caller")
        customer = identity.customer_id
    else:
        thread_customer = owner[1] if owner else None
        if named is not None and (not isinstance(named, str) or not valid_customer_id(named)):
            raise Auth.exceptions.HTTPException(status_code=422, detail="context.customer_id is not a valid id")
        if named is not None and thread_customer is not None and named != thread_customer:
            raise Auth.exceptions.HTTPException(
                status_code=403, detail="context.customer_id is not the customer of this thread"
            )
        customer = named or thread_customer
    holder["context"] = {**context, "tenant": identity.tenant}
    if customer is not None:
        holder["context"]["customer_id"] = customer
    return {"customer_id": identity.customer_id} if identity.is_customer and holder is not value else None


async def on_thread_read(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> dict[str, Any] | None:
    """A customer reads only their own threads, runs, state and history."""
    identity = identity_of(ctx.user)
    await _check_thread(identity, value.get("thread_id"))
    return {"customer_id": identity.customer_id} if identity.is_customer else None


async def on_thread_search(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> dict[str, Any] | None:
    """A customer's search finds only their own threads."""
    identity = identity_of(ctx.user)
    await _check_thread(identity, value.get("thread_id"))
    return {"customer_id": identity.customer_id} if identity.is_customer else None


async def on_thread_update(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> dict[str, Any] | None:
    """Changing state or metadata, or cancelling runs, is an admin's data operation."""
    identity = identity_of(ctx.user)
    await _check_thread(identity, value.get("thread_id"))
    _forbid(identity, "threads.write_any")
    metadata = value.get("metadata")
    if isinstance(metadata, dict) and ("customer_id" in metadata or "tenant" in metadata):
        raise Auth.exceptions.HTTPException(status_code=403, detail="a thread's tenant and customer cannot change")
    return None


async def on_thread_delete(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> None:
    """Deleting threads or runs is an admin's data operation (customers erase through data rights)."""
    identity = identity_of(ctx.user)
    await _check_thread(identity, value.get("thread_id"))
    _forbid(identity, "threads.write_any")


async def on_assistants(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> None:
    """Anyone signed in may read the assistants; only an admin may change them."""
    identity = identity_of(ctx.user)
    if ctx.action not in ("read", "search"):
        _forbid(identity, "assistants.write")


async def on_crons(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> None:
    """Scheduled runs are an admin's."""
    _forbid(identity_of(ctx.user), "crons.write")


def _namespace(value: dict[str, Any], field: str) -> list[str]:
    raw = value.get(field) or []
    if isinstance(raw, str):
        raw = [raw]
    return [part for item in raw if isinstance(item, str) for part in item.split(".") if part]


async def on_store(ctx: Auth.types.AuthContext, value: dict[str, Any]) -> dict[str, Any] | None:
    """Memories: a customer reads their own, staff and services read their tenant's, only an admin writes.

    Aegra already buries every ``customers`` namespace under the caller's tenant (``store.scopes``).
    """
    identity = identity_of(ctx.user)
    if ctx.action in ("put", "delete"):
        _forbid(identity, "store.write")
        return None
    if not identity.is_customer:
        _forbid(identity, "store.read_any")
        return None
    from graph.memory import memory_namespace

    own = list(memory_namespace(identity.tenant, identity.customer_id or "")[:3])
    field = "namespace" if ctx.action == "get" else "namespace_prefix"
    if ctx.action == "list_namespaces":
        field = "prefix"
    requested = _namespace(value, field)
    if requested[: len(own)] == own:
        return None
    if own[: len(requested)] == requested and ctx.action != "get":
        return {field: own}  # a broader prefix narrows to the customer's own namespace
    raise _not_found("Item" if ctx.action == "get" else "Namespace")


# Aegra's handlers return more than the SDK's filter types say (``{"context": ...}`` and ``{"metadata": ...}``
# overrides, see Aegra's auth guide), so they are registered through an untyped view of ``auth.on``.
_on: Any = auth.on
_on.threads.create(on_thread_create)
_on.threads.create_run(on_create_run)
_on.threads.read(on_thread_read)
_on.threads.search(on_thread_search)
_on.threads.update(on_thread_update)
_on.threads.delete(on_thread_delete)
_on.assistants(on_assistants)
_on.crons(on_crons)
_on.store(on_store)
