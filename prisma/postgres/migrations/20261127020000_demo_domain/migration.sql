-- CreateTable
CREATE TABLE "profiles" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "profiles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stores" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "stores_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sales_events" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sales_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notes" (
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
CREATE TABLE "contacts" (
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
CREATE TABLE "workflow_runs" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "workflow" TEXT NOT NULL,
    "subscriber_id" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "workflow_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "usage_records" (
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
CREATE TABLE "documents" (
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
CREATE TABLE "deliveries" (
    "id" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "document_id" TEXT NOT NULL,
    "execution_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "profiles_owner_external_id_key" ON "profiles"("owner", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "stores_owner_external_id_key" ON "stores"("owner", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "sales_events_owner_external_id_key" ON "sales_events"("owner", "external_id");

-- CreateIndex
CREATE INDEX "notes_owner_subject_type_subject_id_idx" ON "notes"("owner", "subject_type", "subject_id");

-- CreateIndex
CREATE INDEX "contacts_owner_parent_type_parent_id_idx" ON "contacts"("owner", "parent_type", "parent_id");

-- CreateIndex
CREATE INDEX "usage_records_owner_order_id_idx" ON "usage_records"("owner", "order_id");

-- CreateIndex
CREATE UNIQUE INDEX "documents_owner_schema_external_id_key" ON "documents"("owner", "schema", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_owner_execution_id_key" ON "deliveries"("owner", "execution_id");
