-- get
SELECT "v" FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- exists
SELECT 1 FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- set
INSERT INTO "app"."kv" AS cur ("k", "v", "exp", "version") VALUES ($1, $2, CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v", "exp" = EXCLUDED."exp", "version" = COALESCE(cur."version", 0) + 1;
-- delete
DELETE FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- clear
DELETE FROM "app"."kv";
-- cleanup
DELETE FROM "app"."kv" WHERE "k" IN (SELECT "k" FROM "app"."kv" WHERE "exp" <= CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) LIMIT 1000);
-- entry
SELECT "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- ttl
SELECT "exp", CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) FROM "app"."kv" WHERE "k" = $1 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- count
SELECT count(*) FROM "app"."kv" WHERE ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- list
SELECT "k", "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" >= $1 AND "k" > $2 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)) ORDER BY "k" LIMIT $3;
-- listTo
SELECT "k", "v", "exp", COALESCE("version", 0) FROM "app"."kv" WHERE "k" >= $1 AND "k" > $2 AND "k" < $3 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)) ORDER BY "k" LIMIT $4;
-- putIfAbsent
INSERT INTO "app"."kv" AS cur ("k", "v", "exp", "version") VALUES ($1, $2, CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v", "exp" = EXCLUDED."exp", "version" = COALESCE(cur."version", 0) + 1 WHERE cur."exp" IS NOT NULL AND cur."exp" <= CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) RETURNING "version", "exp";
-- putReturning
INSERT INTO "app"."kv" AS cur ("k", "v", "exp", "version") VALUES ($1, $2, CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO UPDATE SET "v" = EXCLUDED."v", "exp" = EXCLUDED."exp", "version" = COALESCE(cur."version", 0) + 1 RETURNING "version", "exp";
-- putIfVersion
UPDATE "app"."kv" SET "v" = $1, "exp" = CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $2, "version" = COALESCE("version", 0) + 1 WHERE "k" = $3 AND "version" = $4 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- expire
UPDATE "app"."kv" SET "exp" = CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $1, "version" = COALESCE("version", 0) + 1 WHERE "k" = $2 AND ("exp" IS NULL OR "exp" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- lock
SELECT CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT), x.luahost_found, x."v", x."exp", COALESCE(x."version", 0) FROM (SELECT 1) AS luahost_one LEFT JOIN (SELECT true AS luahost_found, "v", "exp", "version" FROM "app"."kv" WHERE "k" = $1 FOR UPDATE) AS x ON true;
-- update
UPDATE "app"."kv" SET "v" = $1, "exp" = $2, "version" = COALESCE("version", 0) + 1 WHERE "k" = $3;
-- touch
UPDATE "app"."kv" SET "exp" = $1, "version" = COALESCE("version", 0) + 1 WHERE "k" = $2;
-- insert
INSERT INTO "app"."kv" ("k", "v", "exp", "version") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("k") DO NOTHING;
