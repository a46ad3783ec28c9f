/** The two colours of a blue-green deployment. */
export const COLORS = ['blue', 'green'] as const;
/** One colour of a blue-green pair: the live one, or the standby. */
export type Color = (typeof COLORS)[number];
