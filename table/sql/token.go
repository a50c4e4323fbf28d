package sql

import (
	"fmt"
	"strings"
)

// TokenKind classifies a token.
type TokenKind int

const (
	EOF          TokenKind = iota
	Word                   // unquoted identifier or keyword; Value holds the spelling
	QuotedIdent            // `name` (backticks); Value holds the unescaped name
	String                 // 'text' (or "text" in PyFlink expressions); Value is unescaped
	BinaryString           // X'0AFF'; Value holds the hex digits
	Number                 // 12, 1.5, 1e10, .5; Value holds the literal as written
	Punct                  // operators and punctuation; Value holds the symbol
)

func (k TokenKind) String() string {
	switch k {
	case EOF:
		return "EOF"
	case Word:
		return "Word"
	case QuotedIdent:
		return "QuotedIdent"
	case String:
		return "String"
	case BinaryString:
		return "BinaryString"
	case Number:
		return "Number"
	case Punct:
		return "Punct"
	}
	return fmt.Sprintf("TokenKind(%d)", int(k))
}

// Token is one lexical token. End is the byte offset just past the token, so
// src[Pos.Offset:End] is its text as written.
type Token struct {
	Kind  TokenKind
	Value string
	Pos   Pos
	End   int
	// Suffix is a PyFlink number-literal type suffix (L, p, f or d), upper-cased;
	// always empty in SQL.
	Suffix string
}

// upper returns the keyword form of a Word token ("" for other kinds).
func (t Token) upper() string {
	if t.Kind != Word {
		return ""
	}
	return strings.ToUpper(t.Value)
}

// describe names the token for error messages.
func (t Token) describe() string {
	switch t.Kind {
	case EOF:
		return "end of input"
	case Word:
		if reserved[t.upper()] {
			return "keyword " + t.upper()
		}
		return fmt.Sprintf("identifier %q", t.Value)
	case QuotedIdent:
		return "identifier `" + strings.ReplaceAll(t.Value, "`", "``") + "`"
	case String:
		v := t.Value
		if r := []rune(v); len(r) > 24 {
			v = string(r[:24]) + "..."
		}
		return "string '" + strings.ReplaceAll(v, "'", "''") + "'"
	case BinaryString:
		return "binary string X'" + t.Value + "'"
	case Number:
		return "number " + t.Value + t.Suffix
	}
	return fmt.Sprintf("%q", t.Value)
}

// reserved holds the words that cannot be used as unquoted identifiers: the
// reserved keywords of Calcite's parser (the bold entries of Calcite's
// "Keywords" reference, as of the Calcite releases Flink 1.13–1.19 build on)
// plus the keywords Flink's Parser.tdd adds without listing them as
// non-reserved (BYTES, CATALOGS, COMMENT, ... WATERMARKS). Keywords that
// Flink adds as non-reserved (METADATA, VIRTUAL, ENFORCED, IF, OVERWRITE,
// PARTITIONED, ...) stay usable as names, as they are in Flink.
var reserved = makeSet(`
ABS ALL ALLOCATE ALLOW ALTER AND ANY ARE ARRAY ARRAY_MAX_CARDINALITY AS
ASENSITIVE ASYMMETRIC AT ATOMIC AUTHORIZATION AVG BEGIN BEGIN_FRAME
BEGIN_PARTITION BETWEEN BIGINT BINARY BIT BLOB BOOLEAN BOTH BY CALL CALLED
CARDINALITY CASCADED CASE CAST CEIL CEILING CHAR CHARACTER CHARACTER_LENGTH
CHAR_LENGTH CHECK CLASSIFIER CLOB CLOSE COALESCE COLLATE COLLECT COLUMN COMMIT
CONDITION CONNECT CONSTRAINT CONTAINS CONVERT CORR CORRESPONDING COUNT
COVAR_POP COVAR_SAMP CREATE CROSS CUBE CUME_DIST CURRENT CURRENT_CATALOG
CURRENT_DATE CURRENT_DEFAULT_TRANSFORM_GROUP CURRENT_PATH CURRENT_ROLE
CURRENT_ROW CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP
CURRENT_TRANSFORM_GROUP_FOR_TYPE CURRENT_USER CURSOR CYCLE DATE DAY
DEALLOCATE DEC DECIMAL DECLARE DEFAULT DEFINE DELETE DENSE_RANK DEREF
DESCRIBE DETERMINISTIC DISALLOW DISCONNECT DISTINCT DOUBLE DROP DYNAMIC EACH
ELEMENT ELSE EMPTY END END_FRAME END_PARTITION EQUALS ESCAPE EVERY EXCEPT
EXEC EXECUTE EXISTS EXP EXPLAIN EXTEND EXTERNAL EXTRACT FALSE FETCH FILTER
FIRST_VALUE FLOAT FLOOR FOR FOREIGN FRAME_ROW FREE FROM FULL FUNCTION FUSION
GET GLOBAL GRANT GROUP GROUPING GROUPS HAVING HOLD HOUR IDENTITY IMPORT IN
INDICATOR INITIAL INNER INOUT INSENSITIVE INSERT INT INTEGER INTERSECT
INTERSECTION INTERVAL INTO IS JOIN JSON_ARRAY JSON_ARRAYAGG JSON_EXISTS
JSON_OBJECT JSON_OBJECTAGG JSON_QUERY JSON_VALUE LAG LANGUAGE LARGE
LAST_VALUE LATERAL LEAD LEADING LEFT LIKE LIKE_REGEX LIMIT LN LOCAL
LOCALTIME LOCALTIMESTAMP LOWER MATCH MATCHES MATCH_NUMBER MATCH_RECOGNIZE MAX
MEASURES MEMBER MERGE METHOD MIN MINUS MINUTE MOD MODIFIES MODULE MONTH
MULTISET NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO NONE NORMALIZE NOT
NTH_VALUE NTILE NULL NULLIF NUMERIC OCCURRENCES_REGEX OCTET_LENGTH OF OFFSET
OLD OMIT ON ONE ONLY OPEN OR ORDER OUT OUTER OVER OVERLAPS OVERLAY PARAMETER
PARTITION PATTERN PER PERCENT PERCENTILE_CONT PERCENTILE_DISC PERCENT_RANK
PERIOD PERMUTE PORTION POSITION POSITION_REGEX POWER PRECEDES PRECISION
PREPARE PREV PRIMARY PROCEDURE RANGE RANK READS REAL RECURSIVE REF
REFERENCES REFERENCING REGR_AVGX REGR_AVGY REGR_COUNT REGR_INTERCEPT REGR_R2
REGR_SLOPE REGR_SXX REGR_SXY REGR_SYY RELEASE RESET RESULT RETURN RETURNS
REVOKE RIGHT ROLLBACK ROLLUP ROW ROWS ROW_NUMBER RUNNING SAVEPOINT SCOPE
SCROLL SEARCH SECOND SEEK SELECT SENSITIVE SESSION_USER SET SHOW SIMILAR SKIP
SMALLINT SOME SPECIFIC SPECIFICTYPE SQL SQLEXCEPTION SQLSTATE SQLWARNING SQRT
START STATIC STDDEV_POP STDDEV_SAMP STREAM SUBMULTISET SUBSET SUBSTRING
SUBSTRING_REGEX SUCCEEDS SUM SYMMETRIC SYSTEM SYSTEM_TIME SYSTEM_USER TABLE
TABLESAMPLE THEN TIME TIMESTAMP TIMEZONE_HOUR TIMEZONE_MINUTE TINYINT TO
TRAILING TRANSLATE TRANSLATE_REGEX TRANSLATION TREAT TRIGGER TRIM TRIM_ARRAY
TRUE TRUNCATE TRY_CAST UESCAPE UNION UNIQUE UNKNOWN UNNEST UPDATE UPPER
UPSERT USER USING VALUE VALUES VALUE_OF VARBINARY VARCHAR VARYING VAR_POP
VAR_SAMP VERSIONING WHEN WHENEVER WHERE WIDTH_BUCKET WINDOW WITH WITHIN
WITHOUT YEAR
BYTES CATALOGS COMMENT DATABASES EXTENDED FUNCTIONS MODIFY MODULES RAW RENAME
SCALA STRING TABLES TIMESTAMP_LTZ USE VIEWS WATERMARK WATERMARKS
`)

// IsReserved reports whether word (any case) is a reserved keyword, i.e. must
// be quoted with backticks to be used as a name.
func IsReserved(word string) bool { return reserved[strings.ToUpper(word)] }

// reservedFunctions are reserved words that Calcite's grammar still accepts as
// the name of a function call (its ReservedFunctionName rule), so COUNT(x)
// and UPPER(s) parse although COUNT and UPPER cannot name a column.
var reservedFunctions = makeSet(`
ABS AVG CARDINALITY CHAR_LENGTH CHARACTER_LENGTH COALESCE COLLECT CORR COUNT
COVAR_POP COVAR_SAMP CUME_DIST DENSE_RANK ELEMENT EVERY EXP FIRST_VALUE FUSION
GROUPING HOUR INTERSECTION JSON_ARRAY JSON_ARRAYAGG JSON_EXISTS JSON_OBJECT
JSON_OBJECTAGG JSON_QUERY JSON_VALUE LAG LAST_VALUE LEAD LEFT LN LOWER MAX MIN
MINUTE MOD MONTH NTH_VALUE NTILE NULLIF OCTET_LENGTH PERCENT_RANK
PERCENTILE_CONT PERCENTILE_DISC POWER RANK REGR_AVGX REGR_AVGY REGR_COUNT
REGR_INTERCEPT REGR_R2 REGR_SLOPE REGR_SXX REGR_SXY REGR_SYY RIGHT ROW_NUMBER
SECOND SOME SQRT STDDEV_POP STDDEV_SAMP SUM TRANSLATE TRUNCATE UPPER VAR_POP VAR_SAMP FLOOR CEIL
YEAR
`)

// niladicFunctions are the SQL-standard functions written without
// parentheses (CURRENT_TIMESTAMP, not CURRENT_TIMESTAMP()).
var niladicFunctions = makeSet(`
CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP LOCALTIME LOCALTIMESTAMP
CURRENT_USER SESSION_USER SYSTEM_USER USER CURRENT_ROLE CURRENT_CATALOG
CURRENT_SCHEMA CURRENT_PATH
`)

// niladicWithPrecision are the niladic functions that also accept a
// precision argument, CURRENT_TIMESTAMP(3).
var niladicWithPrecision = makeSet(`CURRENT_TIME CURRENT_TIMESTAMP LOCALTIME LOCALTIMESTAMP`)

func makeSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
