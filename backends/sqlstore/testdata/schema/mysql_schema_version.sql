CREATE TABLE IF NOT EXISTS `app`.`kv_store` (
    `k` VARBINARY(255) NOT NULL PRIMARY KEY,
    `v` LONGBLOB NOT NULL,
    `exp` BIGINT NULL,
    `version` BIGINT NOT NULL DEFAULT 0,
    INDEX `kv_store_exp_idx` (`exp`)
) ENGINE=InnoDB;
