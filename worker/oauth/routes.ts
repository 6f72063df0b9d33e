import { registerOAuthDiscoveryRoutes } from "./discovery.js";
import { registerOAuthRegistrationRoutes } from "./registration.js";

/** Every endpoint of the OAuth 2.0 API (Lattice as its own authorization server). */
export function registerOAuthRoutes(): void {
  registerOAuthDiscoveryRoutes();
  registerOAuthRegistrationRoutes();
}
