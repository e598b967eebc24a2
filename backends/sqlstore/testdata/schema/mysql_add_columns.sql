ALTER TABLE `app`.`kv_store` ADD COLUMN `exp` BIGINT;
CREATE INDEX `kv_store_exp_idx` ON `app`.`kv_store` (`exp`);
ALTER TABLE `app`.`kv_store` ADD COLUMN `version` BIGINT NOT NULL DEFAULT 0;
