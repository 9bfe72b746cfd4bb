-- The demo domain's tables (apps/api): the seed documents' own resources. idem's own tables are not here:
-- idem migrates them itself (idem migrate). IF NOT EXISTS adopts tables made by the 0.1 migrations.

-- CreateTable
CREATE TABLE IF NOT EXISTS "profiles" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "profiles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "stores" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "stores_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "sales_events" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sales_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "notes" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "subject_type" TEXT NOT NULL,
    "subject_id" TEXT NOT NULL,
    "note_type" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "contacts" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "parent_type" TEXT NOT NULL,
    "parent_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "workflow_runs" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "workflow" TEXT NOT NULL,
    "subscriber_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "workflow_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "usage_records" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "internal_usage_id" TEXT NOT NULL,
    "quantity" DOUBLE PRECISION NOT NULL,
    "occurred_at" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "usage_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "documents" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "schema" TEXT NOT NULL,
    "file_url" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "documents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE IF NOT EXISTS "deliveries" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "document_id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX IF NOT EXISTS "profiles_owner_external_id_key" ON "profiles"("owner", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX IF NOT EXISTS "stores_owner_external_id_key" ON "stores"("owner", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX IF NOT EXISTS "sales_events_owner_external_id_key" ON "sales_events"("owner", "external_id");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "notes_owner_subject_type_subject_id_idx" ON "notes"("owner", "subject_type", "subject_id");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "contacts_owner_parent_type_parent_id_idx" ON "contacts"("owner", "parent_type", "parent_id");

-- CreateIndex
CREATE INDEX IF NOT EXISTS "usage_records_owner_order_id_idx" ON "usage_records"("owner", "order_id");

-- CreateIndex
CREATE UNIQUE INDEX IF NOT EXISTS "documents_owner_schema_external_id_key" ON "documents"("owner", "schema", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX IF NOT EXISTS "deliveries_owner_execution_id_key" ON "deliveries"("owner", "execution_id");
