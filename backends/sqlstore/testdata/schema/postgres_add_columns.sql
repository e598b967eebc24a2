ALTER TABLE "app"."kv_store" ADD COLUMN "exp" BIGINT;
CREATE INDEX IF NOT EXISTS "kv_store_exp_idx" ON "app"."kv_store" ("exp") WHERE "exp" IS NOT NULL;
ALTER TABLE "app"."kv_store" ADD COLUMN "version" BIGINT NOT NULL DEFAULT 0;
