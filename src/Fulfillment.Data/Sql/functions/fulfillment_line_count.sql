-- Lines (ended by \r\n, \r or \n) that are not blank (only spaces and tabs): the provider delivers one
-- of each. AddOrderRequest.WithoutBlankLines sends exactly these, so both count the same lines.
CREATE OR REPLACE FUNCTION fulfillment_line_count(p_text text)
RETURNS bigint
LANGUAGE sql IMMUTABLE
AS $fn$
    SELECT count(*) FROM regexp_split_to_table(coalesce(p_text, ''), E'\r\n|\r|\n') AS l(line) WHERE l.line !~ E'^[ \t]*$';
$fn$;
