import { afterAll } from "vitest";
import { dropCreatedPgDatabases } from "../helpers/test-store.ts";

// Every test file drops the databases it created.
afterAll(dropCreatedPgDatabases);
