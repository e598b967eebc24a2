CREATE TABLE IF NOT EXISTS "kv_store" (
    "key" VARCHAR(255) NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "expires_at" BIGINT
);
CREATE INDEX IF NOT EXISTS "kv_store_expires_at_idx" ON "kv_store" ("expires_at") WHERE "expires_at" IS NOT NULL;
