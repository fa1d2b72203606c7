#!/usr/bin/env node
// Thin launcher so `npx minibank …` runs the compiled CLI.
import '../dist/cli/main.js';
