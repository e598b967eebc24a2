CREATE TABLE IF NOT EXISTS "app"."kv_store" (
    "k" BYTEA PRIMARY KEY CHECK (octet_length("k") <= 255),
    "v" BYTEA NOT NULL,
    "exp" BIGINT,
    "version" BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS "kv_store_exp_idx" ON "app"."kv_store" ("exp") WHERE "exp" IS NOT NULL;
