-- The csp-audit rules CSP001-CSP010 as DuckDB SQL over the three CSV files of input contract v1
-- (tables partners, tenants, rels and regions are created by peers.py). Each query returns one
-- number: the count of findings csp-audit reports for that rule (one per row, per group, per
-- triple or per partner, as the README's rules table says).

-- name: setup
CREATE OR REPLACE TEMP TABLE p AS
SELECT partner_id AS id, role, coalesce(organization_id, partner_id) AS org, csp_tenant_id,
       g.csp_region AS region,
       CAST(onboarded_on AS DATE) AS onboarded, CAST(enrolled_on AS DATE) AS enrolled,
       CAST(mpa_signed_on AS DATE) AS mpa
FROM partners LEFT JOIN regions g ON g.country_code = upper(partners.country);
CREATE OR REPLACE TEMP TABLE t AS
SELECT lower(tenant_id) AS id, kind, organization_id AS org, g.csp_region AS region
FROM tenants LEFT JOIN regions g ON g.country_code = upper(tenants.country);
CREATE OR REPLACE TEMP TABLE sale AS
SELECT from_id AS seller, lower(to_id) AS tenant, reseller_id AS reseller,
       CAST(effective_on AS DATE) AS d
FROM rels WHERE kind = 'customer';
CREATE OR REPLACE TEMP TABLE link AS
SELECT from_id AS provider, to_id AS reseller, CAST(effective_on AS DATE) AS d
FROM rels WHERE kind = 'reseller';

-- name: CSP001
SELECT count(*) FROM sale JOIN p s ON s.id = sale.seller WHERE s.role = 'indirect_reseller';

-- name: CSP002
WITH since AS (SELECT provider, reseller, min(d) AS d FROM link GROUP BY ALL)
SELECT
  (SELECT count(*)
   FROM sale JOIN p s ON s.id = sale.seller
   LEFT JOIN p r ON r.id = sale.reseller
   LEFT JOIN since ON since.provider = sale.seller AND since.reseller = sale.reseller
   WHERE (s.role = 'indirect_provider'
          AND (sale.reseller IS NULL
               OR r.role <> 'indirect_reseller'
               OR since.d IS NULL OR since.d > sale.d))
      OR (s.role = 'direct_bill' AND sale.reseller IS NOT NULL))
  +
  (SELECT count(*) FROM link JOIN p a ON a.id = link.provider JOIN p b ON b.id = link.reseller
   WHERE NOT (a.role = 'indirect_provider' AND b.role = 'indirect_reseller'));

-- name: CSP003
SELECT count(*)
FROM sale JOIN t ON t.id = sale.tenant JOIN p s ON s.id = sale.seller
LEFT JOIN p r ON r.id = sale.reseller
WHERE s.region <> t.region OR (r.id IS NOT NULL AND r.region <> t.region);

-- name: CSP004
SELECT count(*) FROM link JOIN p a ON a.id = link.provider JOIN p b ON b.id = link.reseller
WHERE a.region <> b.region;

-- name: CSP005
-- Affiliate groups: connected components of the affiliate rows, by a recursive closure.
WITH RECURSIVE
  edge AS (SELECT from_id AS a, to_id AS b FROM rels WHERE kind = 'affiliate'
           UNION SELECT to_id, from_id FROM rels WHERE kind = 'affiliate'),
  reach(org, other) AS (SELECT a, a FROM edge UNION SELECT reach.org, edge.b
                        FROM reach JOIN edge ON edge.a = reach.other),
  grp AS (SELECT org, min(other) AS g FROM reach GROUP BY org)
SELECT count(*)
FROM sale JOIN t ON t.id = sale.tenant JOIN p s ON s.id = sale.seller
LEFT JOIN p r ON r.id = sale.reseller
LEFT JOIN grp gt ON gt.org = t.org
LEFT JOIN grp gs ON gs.org = s.org
LEFT JOIN grp gr ON gr.org = r.org
WHERE t.org IS NOT NULL
  AND (coalesce(gs.g, s.org) = coalesce(gt.g, t.org)
       OR (r.id IS NOT NULL AND coalesce(gr.g, r.org) = coalesce(gt.g, t.org)));

-- name: CSP006
SELECT count(*) FROM (
  SELECT kind,
         CASE WHEN kind = 'affiliate' THEN least(from_id, to_id) ELSE from_id END AS a,
         CASE WHEN kind = 'affiliate' THEN greatest(from_id, to_id)
              WHEN kind IN ('customer', 'admin') THEN lower(to_id) ELSE to_id END AS b,
         reseller_id
  FROM rels GROUP BY ALL HAVING count(*) > 1);

-- name: CSP007
SELECT count(*) FROM sale JOIN t ON t.id = sale.tenant WHERE t.kind = 'partner';

-- name: CSP008
SELECT count(*) FROM (
  SELECT DISTINCT sale.seller, owner.id, sale.tenant
  FROM sale JOIN p owner ON lower(owner.csp_tenant_id) = sale.tenant
  WHERE EXISTS (SELECT 1 FROM link WHERE link.provider = sale.seller
                                     AND link.reseller = owner.id));

-- name: CSP009
SELECT count(DISTINCT who) FROM (
  SELECT seller AS who, d FROM sale
  UNION ALL SELECT reseller, d FROM sale WHERE reseller IS NOT NULL
  UNION ALL SELECT provider, d FROM link
  UNION ALL SELECT reseller, d FROM link) x
JOIN p ON p.id = x.who
WHERE x.d >= DATE '2020-02-01' AND (p.mpa IS NULL OR p.mpa > x.d);

-- name: CSP010
SELECT count(DISTINCT sale.reseller) FROM sale JOIN p r ON r.id = sale.reseller
WHERE r.role = 'indirect_reseller' AND sale.d >= DATE '2020-02-01'
  AND (r.onboarded IS NULL OR sale.d < r.onboarded OR r.enrolled IS NULL OR sale.d < r.enrolled);
