-- get
SELECT "value" FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- exists
SELECT 1 FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- set
INSERT INTO "kv" AS cur ("key", "value", "expires_at", "ver") VALUES ($1, $2, CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at", "ver" = COALESCE(cur."ver", 0) + 1;
-- delete
DELETE FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- clear
DELETE FROM "kv";
-- cleanup
DELETE FROM "kv" WHERE "key" IN (SELECT "key" FROM "kv" WHERE "expires_at" <= CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) LIMIT 1000);
-- entry
SELECT "value", "expires_at", COALESCE("ver", 0) FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- ttl
SELECT "expires_at", CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- count
SELECT count(*) FROM "kv" WHERE ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- list
SELECT "key", "value", "expires_at", COALESCE("ver", 0) FROM "kv" WHERE "key" >= $1 AND "key" > $2 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)) ORDER BY "key" LIMIT $3;
-- listTo
SELECT "key", "value", "expires_at", COALESCE("ver", 0) FROM "kv" WHERE "key" >= $1 AND "key" > $2 AND "key" < $3 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT)) ORDER BY "key" LIMIT $4;
-- putIfAbsent
INSERT INTO "kv" AS cur ("key", "value", "expires_at", "ver") VALUES ($1, $2, CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at", "ver" = COALESCE(cur."ver", 0) + 1 WHERE cur."expires_at" IS NOT NULL AND cur."expires_at" <= CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) RETURNING "ver", "expires_at";
-- putReturning
INSERT INTO "kv" AS cur ("key", "value", "expires_at", "ver") VALUES ($1, $2, CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at", "ver" = COALESCE(cur."ver", 0) + 1 RETURNING "ver", "expires_at";
-- putIfVersion
UPDATE "kv" SET "value" = $1, "expires_at" = CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $2, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $3 AND "ver" = $4 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- expire
UPDATE "kv" SET "expires_at" = CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT) + $1, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $2 AND ("expires_at" IS NULL OR "expires_at" > CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT));
-- lock
SELECT CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp()) * 1000) AS BIGINT), x.luahost_found, x."value", x."expires_at", COALESCE(x."ver", 0) FROM (SELECT 1) AS luahost_one LEFT JOIN (SELECT true AS luahost_found, "value", "expires_at", "ver" FROM "kv" WHERE "key" = $1 FOR UPDATE) AS x ON true;
-- update
UPDATE "kv" SET "value" = $1, "expires_at" = $2, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $3;
-- touch
UPDATE "kv" SET "expires_at" = $1, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $2;
-- insert
INSERT INTO "kv" ("key", "value", "expires_at", "ver") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO NOTHING;
