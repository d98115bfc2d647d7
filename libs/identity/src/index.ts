export { Evidence, IdentityGraph, type Explanation, type PersonChange } from './identity-graph.ts';
