/**
 * The Lattice mark: a rounded square with a lattice of lines and nodes. An SVG data: URL (the
 * pages' CSP allows data: images), used as the tab icon and beside the server name.
 */
export const LATTICE_MARK = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%232f5bd3'/%3E%3Cg stroke='%23fff' stroke-width='2' stroke-linecap='round' opacity='.85'%3E%3Cpath d='M11 6v20M21 6v20M6 11h20M6 21h20'/%3E%3C/g%3E%3Cg fill='%23fff'%3E%3Ccircle cx='11' cy='11' r='2.7'/%3E%3Ccircle cx='21' cy='11' r='2.7'/%3E%3Ccircle cx='11' cy='21' r='2.7'/%3E%3Ccircle cx='21' cy='21' r='2.7'/%3E%3C/g%3E%3C/svg%3E";
