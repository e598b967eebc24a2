-- get
SELECT "value" FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2);
-- exists
SELECT 1 FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2);
-- set
INSERT INTO "kv" AS cur ("key", "value", "expires_at", "ver") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at", "ver" = COALESCE(cur."ver", 0) + 1;
-- delete
DELETE FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2);
-- clear
DELETE FROM "kv";
-- cleanup
DELETE FROM "kv" WHERE "key" IN (SELECT "key" FROM "kv" WHERE "expires_at" <= $1 LIMIT 1000);
-- entry
SELECT "value", "expires_at", COALESCE("ver", 0) FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2);
-- ttl
SELECT "expires_at" FROM "kv" WHERE "key" = $1 AND ("expires_at" IS NULL OR "expires_at" > $2);
-- count
SELECT count(*) FROM "kv" WHERE ("expires_at" IS NULL OR "expires_at" > $1);
-- list
SELECT "key", "value", "expires_at", COALESCE("ver", 0) FROM "kv" WHERE "key" COLLATE "C" >= $1 AND "key" COLLATE "C" > $2 AND starts_with("key", $3) AND ("expires_at" IS NULL OR "expires_at" > $4) ORDER BY "key" COLLATE "C" LIMIT $5;
-- putIfAbsent
INSERT INTO "kv" AS cur ("key", "value", "expires_at", "ver") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at", "ver" = COALESCE(cur."ver", 0) + 1 WHERE cur."expires_at" IS NOT NULL AND cur."expires_at" <= $4 RETURNING "ver";
-- putReturning
INSERT INTO "kv" AS cur ("key", "value", "expires_at", "ver") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "expires_at" = EXCLUDED."expires_at", "ver" = COALESCE(cur."ver", 0) + 1 RETURNING "ver";
-- putIfVersion
UPDATE "kv" SET "value" = $1, "expires_at" = $2, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $3 AND "ver" = $4 AND ("expires_at" IS NULL OR "expires_at" > $5);
-- expire
UPDATE "kv" SET "expires_at" = $1, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $2 AND ("expires_at" IS NULL OR "expires_at" > $3);
-- lock
SELECT "value", "expires_at", COALESCE("ver", 0) FROM "kv" WHERE "key" = $1 FOR UPDATE;
-- update
UPDATE "kv" SET "value" = $1, "expires_at" = $2, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $3;
-- touch
UPDATE "kv" SET "expires_at" = $1, "ver" = COALESCE("ver", 0) + 1 WHERE "key" = $2;
-- insert
INSERT INTO "kv" ("key", "value", "expires_at", "ver") VALUES ($1, $2, $3, CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)) ON CONFLICT ("key") DO NOTHING;
