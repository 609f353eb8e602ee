// One fixed fast-check seed for every property test, so a run can be
// repeated exactly. fast-check prints the seed (and the shrunk case) when a
// property fails; FC_SEED=<n> reruns with another one.
import fc from "fast-check";

/** The seed every property in the importing test file uses. */
export const SEED = Number(process.env.FC_SEED ?? 20_250_601);

fc.configureGlobal({ seed: SEED });
