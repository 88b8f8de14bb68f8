// Which institution an identifier system or organization reference belongs to: how a resource names its institution.
// Each registered institution issues identifiers under its own namespace (by default https://<id>.medshare.example/),
// so an MRN system, a visit-number system or Organization/<id> tells whose record it is.

export class InstitutionNamespace {
  private readonly prefixes: ReadonlyArray<{ institution: string; prefix: string }>;

  constructor(
    private readonly institutions: readonly string[],
    template: string,
  ) {
    this.prefixes = institutions.map((institution) => ({ institution, prefix: template.replaceAll('{institution}', institution) }));
  }

  /** The registered institution whose namespace holds this identifier system, if any. */
  ownerOfSystem(system: string): string | undefined {
    return this.prefixes.find(({ prefix }) => system.startsWith(prefix))?.institution;
  }

  /** The registered institution an `Organization/<id>` reference names, if any. */
  ownerOfOrganization(reference: string | undefined): string | undefined {
    const id = reference === undefined ? undefined : /(?:^|\/)Organization\/([A-Za-z0-9\-.]{1,64})$/.exec(reference)?.[1];
    return id !== undefined && this.institutions.includes(id) ? id : undefined;
  }
}
