// What `import { serve } from "bun"` costs at start-up (run with and without).
import { serve } from "bun";
if (typeof serve !== "function") throw new Error("no serve");
