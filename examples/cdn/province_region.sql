-- The dimension table of cdn_region_job.py: each province of
-- enjoyment/cdn/ip_ranges.csv and its region (China's seven geographic
-- regions). Load it with: mariadb sluice < province_region.sql
CREATE TABLE IF NOT EXISTS province_region (
  province VARCHAR(64) NOT NULL PRIMARY KEY,
  region VARCHAR(64) NOT NULL
) DEFAULT CHARSET = utf8mb4;
REPLACE INTO province_region VALUES
  ('北京', '华北'), ('天津', '华北'), ('河北', '华北'), ('山西', '华北'), ('内蒙古', '华北'),
  ('辽宁', '东北'), ('吉林', '东北'), ('黑龙江', '东北'),
  ('上海', '华东'), ('江苏', '华东'), ('浙江', '华东'), ('安徽', '华东'), ('福建', '华东'), ('江西', '华东'), ('山东', '华东'),
  ('河南', '华中'), ('湖北', '华中'), ('湖南', '华中'),
  ('广东', '华南'), ('广西', '华南'), ('海南', '华南'),
  ('重庆', '西南'), ('四川', '西南'), ('贵州', '西南'), ('云南', '西南'), ('西藏', '西南'),
  ('陕西', '西北'), ('甘肃', '西北'), ('青海', '西北'), ('宁夏', '西北'), ('新疆', '西北');
CREATE TABLE IF NOT EXISTS access_statistic_region (
  region VARCHAR(64) NOT NULL PRIMARY KEY,
  access_count BIGINT,
  total_download BIGINT,
  download_speed DOUBLE
) DEFAULT CHARSET = utf8mb4;
