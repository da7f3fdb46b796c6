/** Who is making a request: the name behind an API token, or `anonymous` when tokens are off. */
export interface Actor {
  name: string;
}
