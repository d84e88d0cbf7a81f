namespace Fulfillment.Simulator;

public enum CancelAnswerStyle
{
    One,
    True,
    Success,
}
