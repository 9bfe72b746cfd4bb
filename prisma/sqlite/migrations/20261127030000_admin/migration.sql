-- The dashboard's queries (SPEC D1–D5): every filter of the key search has an index that also orders by id,
-- so a page is one index range scan, however many keys there are; plus the staff audit log.

-- CreateTable
CREATE TABLE "idem_audit" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "at" BIGINT NOT NULL,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "before" TEXT,
    "after" TEXT
);

-- CreateIndex
CREATE INDEX "idem_keys_key_prefix" ON "idem_keys"("key", "id");

-- CreateIndex
CREATE INDEX "idem_keys_scope_id" ON "idem_keys"("scope", "id");

-- CreateIndex
CREATE INDEX "idem_keys_procedure_id" ON "idem_keys"("procedure", "id");

-- CreateIndex
CREATE INDEX "idem_keys_status_id" ON "idem_keys"("status", "id");

-- CreateIndex
CREATE INDEX "idem_keys_created_at" ON "idem_keys"("created_at", "id");

-- CreateIndex
CREATE INDEX "idem_events_type_id" ON "idem_events"("type", "id");

-- CreateIndex
CREATE INDEX "idem_events_key_id" ON "idem_events"("key_id");

-- CreateIndex
CREATE INDEX "idem_events_natural" ON "idem_events"("type", "id") WHERE "procedure" LIKE '%#%';
