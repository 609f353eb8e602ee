import { defineConfig } from "vitest/config";
import { reportFile } from "./src/testing/vitest-report.ts";

export default defineConfig({ test: reportFile() });
