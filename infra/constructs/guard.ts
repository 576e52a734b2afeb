/**
 * Namespace of the acknowledgements for AWS's Guard rules (`@cdklabs/cdk-validator-cfnguard`), as in
 * `Validations.of(construct).acknowledge({ id: `${GUARD}lambda_inside_vpc_check`, reason })`.
 */
export const GUARD = 'cdk-validator-cfnguard::';
