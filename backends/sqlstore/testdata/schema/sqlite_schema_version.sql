CREATE TABLE IF NOT EXISTS "app"."kv_store" (
    "k" VARCHAR(255) NOT NULL PRIMARY KEY,
    "v" BLOB NOT NULL,
    "exp" BIGINT,
    "version" BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS "app"."kv_store_exp_idx" ON "kv_store" ("exp") WHERE "exp" IS NOT NULL;
