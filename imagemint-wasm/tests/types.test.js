// The .d.ts files: a TypeScript program using the package type-checks under --strict.
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

test("the declarations type a real program and reject bad options", () => {
  const tsc = join(here, "..", "node_modules", ".bin", "tsc");
  execFileSync(tsc, ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext",
    "--moduleResolution", "nodenext", "--lib", "es2022,esnext.disposable,dom", join(here, "types.ts")], { stdio: "inherit" });
});
