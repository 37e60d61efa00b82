CREATE TABLE "order_revisions" (
	"dbname" text NOT NULL,
	"multi_session_id" integer NOT NULL,
	"uid" text NOT NULL,
	"revision_id" integer NOT NULL,
	"message" text NOT NULL,
	"nonce" text,
	"session_id" integer,
	"login_number" integer,
	"pos_id" integer,
	CONSTRAINT "order_revisions_dbname_multi_session_id_uid_revision_id_pk" PRIMARY KEY("dbname","multi_session_id","uid","revision_id")
);
