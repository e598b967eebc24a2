-- get
SELECT "v" FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > $2);
-- exists
SELECT 1 FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > $2);
-- set
INSERT INTO "app"."kv" AS cur ("k", "v", "exp", "version") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v", "exp" = EXCLUDED."exp", "version" = COALESCE(cur."version", 0) + 1;
-- delete
DELETE FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > $2);
-- clear
DELETE FROM "app"."kv";
-- cleanup
DELETE FROM "app"."kv" WHERE "k" IN (SELECT "k" FROM "app"."kv" WHERE "exp" <= $1 LIMIT 1000);
-- entry
SELECT "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > $2);
-- ttl
SELECT "exp" FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > $2);
-- count
SELECT count(*) FROM "app"."kv" WHERE ("exp" IS NULL OR "exp" > $1);
-- list
SELECT "k", "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" >= $1 AND "k" > $2 AND ("exp" IS NULL OR "exp" > $3) ORDER BY "k" LIMIT $4;
-- listTo
SELECT "k", "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" >= $1 AND "k" > $2 AND "k" < $3 AND ("exp" IS NULL OR "exp" > $4) ORDER BY "k" LIMIT $5;
-- putIfAbsent
INSERT INTO "app"."kv" AS cur ("k", "v", "exp", "version") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v", "exp" = EXCLUDED."exp", "version" = COALESCE(cur."version", 0) + 1 WHERE cur."exp" IS NOT NULL AND cur."exp" <= $4 RETURNING "version";
-- putReturning
INSERT INTO "app"."kv" AS cur ("k", "v", "exp", "version") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v", "exp" = EXCLUDED."exp", "version" = COALESCE(cur."version", 0) + 1 RETURNING "version";
-- putIfVersion
UPDATE "app"."kv" SET "v" = $1, "exp" = $2, "version" = COALESCE("version", 0) + 1 WHERE "k" = $3 AND "version" = $4 AND ("exp" IS NULL OR "exp" > $5);
-- expire
UPDATE "app"."kv" SET "exp" = $1, "version" = COALESCE("version", 0) + 1 WHERE "k" = $2 AND ("exp" IS NULL OR "exp" > $3);
-- lock
SELECT "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" = $1 FOR UPDATE;
-- update
UPDATE "app"."kv" SET "v" = $1, "exp" = $2, "version" = COALESCE("version", 0) + 1 WHERE "k" = $3;
-- touch
UPDATE "app"."kv" SET "exp" = $1, "version" = COALESCE("version", 0) + 1 WHERE "k" = $2;
-- insert
INSERT INTO "app"."kv" ("k", "v", "exp", "version") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO NOTHING;
