import { describeWireVectors } from './describe-wire-vectors.ts'

// The suite against the BUILT @ajwt/core, as a user's tests import it, on each signature backend
// of the vitest projects (core's own tests run it against its sources).
describeWireVectors('@ajwt/core (built)')
