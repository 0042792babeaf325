"""Tables of the support operation: customers, tickets, teams and routing, the handoff inbox, turn events, outcomes.

Append-only: a released migration never changes; add a new one instead.
"""

from __future__ import annotations

from db.migrations import Migration

_CORE = """
CREATE SEQUENCE IF NOT EXISTS ticket_number_seq START WITH 1001;

CREATE TABLE customers (
    id text PRIMARY KEY,
    tenant text NOT NULL DEFAULT 'default',
    name text,
    email text,
    tier text NOT NULL DEFAULT 'standard' CHECK (tier IN ('free','standard','premium','enterprise')),
    language text NOT NULL DEFAULT 'en',
    timezone text NOT NULL DEFAULT 'UTC',
    preferences jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_tenant_idx ON customers (tenant);
CREATE INDEX customers_email_idx ON customers (lower(email));

CREATE TABLE teams (
    id text PRIMARY KEY,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    languages text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A rule matches when its topic matches (the intent is in intents or the category in categories; empty
-- lists on both = any topic) and the tier and language are in their lists (empty = any). Lowest position wins.
CREATE TABLE routing_rules (
    id serial PRIMARY KEY,
    tenant text NOT NULL DEFAULT 'default',
    position int NOT NULL DEFAULT 100,
    team text NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    intents text[] NOT NULL DEFAULT '{}',
    categories text[] NOT NULL DEFAULT '{}',
    tiers text[] NOT NULL DEFAULT '{}',
    languages text[] NOT NULL DEFAULT '{}',
    description text NOT NULL DEFAULT ''
);
CREATE INDEX routing_rules_tenant_idx ON routing_rules (tenant, position);

CREATE TABLE tickets (
    id text PRIMARY KEY DEFAULT ('T-' || nextval('ticket_number_seq')::text),
    tenant text NOT NULL DEFAULT 'default',
    customer_id text NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    subject text NOT NULL,
    description text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open','in_progress','pending','resolved','closed')),
    priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high','urgent')),
    category text NOT NULL DEFAULT 'general',
    team text,
    tags text[] NOT NULL DEFAULT '{}',
    thread_id text,
    resolution text,
    satisfaction smallint CHECK (satisfaction BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
CREATE INDEX tickets_customer_idx ON tickets (tenant, customer_id, status);
CREATE INDEX tickets_thread_idx ON tickets (thread_id);
CREATE INDEX tickets_status_idx ON tickets (tenant, status, priority);

CREATE TABLE ticket_events (
    id bigserial PRIMARY KEY,
    ticket_id text NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    tenant text NOT NULL DEFAULT 'default',
    kind text NOT NULL,
    actor text NOT NULL,
    body text,
    data jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);

CREATE TABLE handoffs (
    id bigserial PRIMARY KEY,
    tenant text NOT NULL DEFAULT 'default',
    thread_id text NOT NULL,
    ticket_id text REFERENCES tickets (id) ON DELETE CASCADE,
    customer_id text NOT NULL,
    team text NOT NULL,
    priority text NOT NULL CHECK (priority IN ('low','normal','high','urgent')),
    reason text NOT NULL,
    intent text,
    category text,
    urgency text,
    language text,
    sentiment text,
    summary text NOT NULL,
    transcript_tail jsonb NOT NULL DEFAULT '[]'::jsonb,
    status text NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting','claimed','answered','handed_back','closed')),
    claimed_by text,
    resolution text,
    created_at timestamptz NOT NULL DEFAULT now(),
    claimed_at timestamptz,
    answered_at timestamptz,
    closed_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One open handoff per thread: a second escalation of the same thread updates it.
CREATE UNIQUE INDEX handoffs_one_open_per_thread ON handoffs (thread_id) WHERE status IN ('waiting','claimed');
CREATE INDEX handoffs_inbox_idx ON handoffs (tenant, status, created_at);
CREATE INDEX handoffs_customer_idx ON handoffs (customer_id);

CREATE TABLE conversation_events (id bigserial PRIMARY KEY, tenant text NOT NULL DEFAULT 'default',
  thread_id text NOT NULL, customer_id text NOT NULL, run_id text, turn int NOT NULL, intent text,
  intent_confidence real, sentiment text, sentiment_score real, urgency text, language text,
  escalated boolean NOT NULL DEFAULT false, resolved boolean NOT NULL DEFAULT false,
  low_confidence boolean NOT NULL DEFAULT false, articles_cited text[] NOT NULL DEFAULT '{}',
  latency_ms integer, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX conversation_events_time_idx ON conversation_events (tenant, created_at);
CREATE INDEX conversation_events_thread_idx ON conversation_events (thread_id, turn);
CREATE INDEX conversation_events_customer_idx ON conversation_events (customer_id, created_at);
CREATE INDEX conversation_events_articles_idx ON conversation_events USING gin (articles_cited);

CREATE TABLE conversation_outcomes (thread_id text PRIMARY KEY, tenant text NOT NULL DEFAULT 'default',
  customer_id text, resolution text CHECK (resolution IN ('confirmed','assumed','unresolved')),
  resolved_by text CHECK (resolved_by IN ('bot','human')), rating smallint CHECK (rating BETWEEN 1 AND 5),
  comment text, ended_at timestamptz, updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX conversation_outcomes_time_idx ON conversation_outcomes (tenant, ended_at);
CREATE INDEX conversation_outcomes_customer_idx ON conversation_outcomes (customer_id);
"""

_TEAMS = """
INSERT INTO teams (id, name, description, languages) VALUES
 ('billing', 'Billing', 'Charges, invoices, refunds, payment methods and billing disputes.', '{}'),
 ('technical', 'Technical support', 'Product bugs, errors, outages, integrations and how-to questions.', '{}'),
 ('accounts', 'Accounts', 'Login, password, profile, subscription and account closure.', '{}'),
 ('shipping', 'Shipping and orders', 'Order status, delivery, returns and exchanges.', '{}'),
 ('security', 'Security', 'Compromised accounts, fraud, suspicious activity and data protection.', '{}'),
 ('trust_and_safety', 'Trust, safety and legal', 'Legal threats, complaints to regulators, abuse and policy.', '{}'),
 ('customer_success', 'Customer success', 'Premium and enterprise accounts: named team, faster answers.', '{}'),
 ('multilingual', 'Multilingual desk', 'Conversations in languages other than English.', '{es,fr,de,pt,it,nl}'),
 ('general', 'General support', 'Everything else.', '{}')
ON CONFLICT (id) DO NOTHING;

INSERT INTO routing_rules (position, team, intents, categories, tiers, languages, description) VALUES
 (10, 'trust_and_safety', '{legal_threat}', '{legal}', '{}', '{}', 'Legal threats always go to trust and safety.'),
 (20, 'security', '{account_compromised,fraud,security_issue}', '{security}', '{}', '{}', 'Security incidents.'),
 (30, 'billing', '{billing_dispute}', '{billing,refund}', '{}', '{}', 'Invoices, payments, fees and refunds.'),
 (40, 'shipping', '{}', '{order,shipping}', '{}', '{}', 'Orders, delivery and addresses.'),
 (50, 'accounts', '{}', '{account}', '{}', '{}', 'Account access, settings and subscriptions.'),
 (60, 'technical', '{technical_issue,bug_report}', '{technical}', '{}', '{}', 'Technical problems.'),
 (70, 'customer_success', '{}', '{}', '{enterprise}', '{}', 'Enterprise customers have a named team.'),
 (80, 'multilingual', '{}', '{}', '{}', '{es,fr,de,pt,it,nl}', 'Other languages when no specialist matched.'),
 (1000, 'general', '{}', '{}', '{}', '{}', 'Everything else.');
"""

# Teams and topics of the signals taxonomy (signals/intents.yaml): pricing goes to sales, data requests to privacy.
_TAXONOMY_TEAMS = """
INSERT INTO teams (id, name, description) VALUES
 ('sales', 'Sales', 'Plans, pricing, quotes and upgrades.'),
 ('privacy', 'Privacy', 'Data access, export and erasure requests; privacy questions.')
ON CONFLICT (id) DO NOTHING;
INSERT INTO routing_rules (position, team, intents, categories, description) VALUES
 (15, 'privacy', '{data_privacy}', '{privacy}', 'Data-rights and privacy requests.'),
 (25, 'security', '{security_concern}', '{}', 'Security concerns of the signals taxonomy.'),
 (65, 'sales', '{pricing_plans}', '{sales}', 'Plans and pricing.');
"""

# The handoff lifecycle (support/handoff_lifecycle.py): an answered handoff stays open until it is closed or
# handed back, so a customer's follow-up joins it. Threads that collected several answered handoffs before
# this keep the newest open; the older ones are closed as superseded.
_HANDOFF_LIFECYCLE = """
UPDATE handoffs h SET status = 'closed', resolution = COALESCE(h.resolution, 'superseded'),
  closed_at = COALESCE(h.closed_at, now()), updated_at = now()
 WHERE h.status IN ('waiting','claimed','answered') AND EXISTS (
  SELECT 1 FROM handoffs n WHERE n.thread_id = h.thread_id AND n.status IN ('waiting','claimed','answered')
   AND (n.created_at, n.id) > (h.created_at, h.id));
DROP INDEX IF EXISTS handoffs_one_open_per_thread;
CREATE UNIQUE INDEX handoffs_one_open_per_thread ON handoffs (thread_id)
  WHERE status IN ('waiting','claimed','answered');
ALTER TABLE handoffs ADD COLUMN unread integer NOT NULL DEFAULT 0,
  ADD COLUMN customer_wrote_at timestamptz;
"""

# Live-LLM turns (graph/answer.py, graph/costs.py): who answered, what failed on the way, tokens and cost.
_MODEL_USAGE = """
ALTER TABLE conversation_events ADD COLUMN model text, ADD COLUMN answered_by text,
  ADD COLUMN model_failure text, ADD COLUMN input_tokens integer, ADD COLUMN output_tokens integer,
  ADD COLUMN cached_tokens integer, ADD COLUMN cost_usd numeric(16, 8);
"""

# A person's action that resumed the thread without our inbox (agent-inbox, support/inbox_resume.py) is recorded
# once per resumed step: the step's key is kept on the handoff.
_DIRECT_RESUME = """
ALTER TABLE handoffs ADD COLUMN resumed_by text;
"""

# Every message's words for the console's conversation search (support/conversation_text.py), with the words
# of threads written before this filled in from the runs' inputs and outputs when Aegra's tables are there.
_CONVERSATION_TEXT = """
CREATE TABLE conversation_messages (
  tenant text NOT NULL, thread_id text NOT NULL, customer_id text NOT NULL, message_id text NOT NULL,
  role text NOT NULL CHECK (role IN ('customer','bot','staff')), body text NOT NULL,
  words tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (thread_id, message_id));
CREATE INDEX conversation_messages_words_idx ON conversation_messages USING gin (words);
CREATE INDEX conversation_messages_customer_idx ON conversation_messages (tenant, customer_id);
"""
# Idempotent (ON CONFLICT DO NOTHING): the search test runs it again on threads whose words it removed.
CONVERSATION_TEXT_BACKFILL = """
DO $$
BEGIN
  IF to_regclass('runs') IS NOT NULL AND to_regclass('thread') IS NOT NULL THEN
    INSERT INTO conversation_messages (tenant, thread_id, customer_id, message_id, role, body, created_at)
    SELECT DISTINCT ON (said.thread_id, said.message_id) said.tenant, said.thread_id, said.customer_id,
           said.message_id, said.role, left(said.body, 8000), said.created_at
      FROM (
        SELECT COALESCE(t.metadata_json->>'tenant', substring(t.user_id FROM '^tenant:(.*)$'), 'default') AS tenant,
               r.thread_id AS thread_id, t.metadata_json->>'customer_id' AS customer_id,
               COALESCE(m.value->>'id', r.run_id::text || ':' || part.kind || ':' || m.ordinality) AS message_id,
               CASE WHEN m.value->>'type' IN ('human','user') OR m.value->>'role' = 'user' THEN 'customer'
                    WHEN m.value->'response_metadata' ? 'agent' THEN 'staff' ELSE 'bot' END AS role,
               m.value->>'content' AS body, r.created_at
          FROM runs r JOIN thread t ON t.thread_id = r.thread_id
          CROSS JOIN LATERAL (VALUES ('out', r.output->'messages'), ('in', r.input->'messages')) part(kind, list)
          CROSS JOIN LATERAL jsonb_array_elements(
               CASE WHEN jsonb_typeof(part.list) = 'array' THEN part.list ELSE '[]'::jsonb END)
               WITH ORDINALITY m(value, ordinality)
         WHERE jsonb_typeof(m.value->'content') = 'string' AND m.value->>'content' <> ''
           AND COALESCE(m.value->>'type', m.value->>'role') IN ('human','user','ai','assistant')
           AND t.metadata_json ? 'customer_id'
      ) said
     ORDER BY said.thread_id, said.message_id, said.created_at
    ON CONFLICT (thread_id, message_id) DO NOTHING;
  END IF;
END $$;
"""

MIGRATIONS: list[Migration] = [
    Migration("support_0001_core", _CORE),
    Migration("support_0002_teams", _TEAMS),
    Migration("support_0003_taxonomy_teams", _TAXONOMY_TEAMS),
    Migration("support_0004_handoff_lifecycle", _HANDOFF_LIFECYCLE),
    Migration("support_0005_model_usage", _MODEL_USAGE),
    Migration("support_0006_direct_resume", _DIRECT_RESUME),
    Migration("support_0007_conversation_text", _CONVERSATION_TEXT + CONVERSATION_TEXT_BACKFILL),
]
