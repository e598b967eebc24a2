ALTER TABLE "app"."kv_store" ADD COLUMN "exp" BIGINT;
CREATE INDEX IF NOT EXISTS "app"."kv_store_exp_idx" ON "kv_store" ("exp") WHERE "exp" IS NOT NULL;
ALTER TABLE "app"."kv_store" ADD COLUMN "version" BIGINT NOT NULL DEFAULT 0;
