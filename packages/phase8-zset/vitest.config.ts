import { reportFile } from "@rah/core/testing";
import { defineConfig } from "vitest/config";

export default defineConfig({ test: reportFile() });
