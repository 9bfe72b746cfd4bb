-- CreateTable
CREATE TABLE "idem_keys" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "scope" TEXT NOT NULL,
    "procedure" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "fence" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "fingerprint_alg" TEXT NOT NULL,
    "request_id" TEXT,
    "request_payload" TEXT,
    "natural_id" TEXT,
    "lease_owner" TEXT,
    "lease_expires_at" BIGINT,
    "expires_at" BIGINT,
    "created_at" BIGINT NOT NULL,
    "updated_at" BIGINT NOT NULL,
    "completed_at" BIGINT,
    "outcome_ok" BOOLEAN,
    "outcome_status" INTEGER,
    "outcome_body" TEXT,
    "outcome_headers" TEXT
);

-- CreateTable
CREATE TABLE "idem_events" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "key_id" TEXT,
    "scope" TEXT NOT NULL,
    "procedure" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "at" BIGINT NOT NULL,
    "request_id" TEXT,
    "fingerprint" TEXT,
    "payload" TEXT,
    "detail" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "idem_keys_identity" ON "idem_keys"("scope", "procedure", "key");

-- CreateIndex
CREATE INDEX "idem_keys_expires_at" ON "idem_keys"("expires_at");

-- CreateIndex
CREATE INDEX "idem_keys_natural_id" ON "idem_keys"("natural_id");

-- CreateIndex
CREATE INDEX "idem_events_key" ON "idem_events"("scope", "procedure", "key", "at");

-- CreateIndex
CREATE INDEX "idem_events_type_at" ON "idem_events"("type", "at");
