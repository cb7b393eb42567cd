"""Every string the UI shows, in English and Simplified Chinese.

Static text goes to the browser through `gr.I18n` (the browser's language picks
the translation); error messages are chosen per request from its
Accept-Language header, since gr.I18n only translates what the page renders.
"""

from __future__ import annotations

import gradio as gr

TEXT: dict[str, tuple[str, str]] = {
    # -- page ------------------------------------------------------------------------------------------------
    "title": ("# GAN Playground · Explore generative adversarial networks", "# GAN 实验室 · 动手探索生成对抗网络"),
    "subtitle": (
        "Small generators trained by this project on Fashion-MNIST, running live on your machine. "
        "Every image comes from a **seed**: the same seed always gives the same image.",
        "这里的生成器均由本项目在 Fashion-MNIST 上训练，在你的电脑上实时运行。"
        "每张图片都由一个**随机种子**决定：同一个种子永远生成同一张图。",
    ),
    "tab_overview": ("What is a GAN?", "什么是 GAN?"),
    "tab_sample": ("Random sampling", "随机采样"),
    "tab_interpolate": ("Latent interpolation", "潜在空间插值"),
    "tab_conditional": ("Conditional generation", "条件生成"),
    "overview": (
        """## Two networks, one game
A **generative adversarial network** (Goodfellow et al., 2014) trains two networks against each other:

- the **generator** G turns a random vector **z** (the *latent code*, here 100 numbers drawn from a normal distribution) into an image;
- the **discriminator** D looks at an image and outputs the probability that it is real rather than generated.

D learns to tell real from fake; G learns to fool D. Formally they play the **minimax game**

$$\\min_G \\max_D \\; \\mathbb{E}_{x\\sim p_\\text{data}}[\\log D(x)] + \\mathbb{E}_{z\\sim p_z}[\\log(1 - D(G(z)))]$$

At the game's equilibrium the generator's distribution equals the data distribution and D outputs ½ everywhere.
In practice G minimises −log D(G(z)) instead (the *non-saturating* loss), whose gradients stay strong early in training.

## Why training is unstable
- The two players chase a moving target: each update of D changes the loss surface of G and vice versa, so losses oscillate instead of going down.
- If D wins too easily, its gradients vanish and G stops learning; if G finds a few images that fool D, it may produce only those (**mode collapse**).
- Remedies shown in this app: **DCGAN**'s architecture rules (strided convolutions, batch norm, no pooling), **WGAN-GP**'s critic with a gradient penalty (a smoother distance between distributions), **conditioning** on a class label, and an **exponential moving average** of the generator's weights.

## The models here
| model | what it shows |
|---|---|
| DCGAN | the classic convolutional GAN, trained with the original (non-saturating) loss |
| WGAN-GP | same generator, trained against a Wasserstein critic with a gradient penalty |
| Conditional GAN | generator and discriminator both see the class label: you choose what to draw |

Each model's card (training command, time, hardware, metrics, samples, loss curves) is in `checkpoints/<model>/README.md`.""",
        """## 两个网络，一场博弈
**生成对抗网络**（GAN，Goodfellow 等，2014）让两个网络相互对抗地训练：

- **生成器** G 把随机向量 **z**（*潜在编码*，这里是从正态分布中抽取的 100 个数）变成一张图片；
- **判别器** D 观察一张图片，输出它是真实图片而不是生成图片的概率。

D 学习分辨真假，G 学习骗过 D。形式上，二者进行一场**极小极大博弈**：

$$\\min_G \\max_D \\; \\mathbb{E}_{x\\sim p_\\text{data}}[\\log D(x)] + \\mathbb{E}_{z\\sim p_z}[\\log(1 - D(G(z)))]$$

在博弈的均衡点（纳什均衡），生成分布等于真实数据分布，D 处处输出 ½。
实践中 G 改为最小化 −log D(G(z))（*非饱和*损失），训练初期梯度更强。

## 为什么训练不稳定
- 双方都在追逐移动的目标：D 的每次更新都会改变 G 的损失曲面，反之亦然，所以损失会振荡而不是单调下降。
- D 赢得太轻松时梯度消失，G 学不到东西；G 找到少数能骗过 D 的图片时，可能只生成这几种（**模式崩溃**）。
- 本应用展示的改进：**DCGAN** 的结构准则（步长卷积、批归一化、不用池化）、带**梯度惩罚**的 **WGAN-GP** 评论家（更平滑的分布距离）、以类别标签为**条件**，以及生成器权重的**指数滑动平均**（EMA）。

## 这里的模型
| 模型 | 展示内容 |
|---|---|
| DCGAN | 经典卷积 GAN，使用原始（非饱和）损失训练 |
| WGAN-GP | 相同的生成器，对抗带梯度惩罚的 Wasserstein 评论家 |
| 条件 GAN | 生成器和判别器都能看到类别标签：由你决定画什么 |

每个模型的说明卡（训练命令、耗时、硬件、指标、样例、损失曲线）见 `checkpoints/<模型>/README.md`。""",
    ),
    # -- shared controls ---------------------------------------------------------------------------------------
    "model": ("Model", "模型"),
    "seed": ("Seed", "随机种子"),
    "seed_info": (
        "0 to 4294967295; the same seed always gives the same image",
        "0 到 4294967295；同一个种子永远生成同一张图",
    ),
    "dice": ("Roll a random seed", "随机换一个种子"),
    "count": ("Number of images", "图片数量"),
    "count_info": ("1 to 64 per request (seeds seed, seed+1, …)", "每次 1 到 64 张（种子依次为 seed、seed+1…）"),
    "truncation": ("Truncation ψ", "截断系数 ψ"),
    "truncation_info": (
        "0 to 2. Below 1: z is pulled towards the centre of the latent space — cleaner, more typical, less varied images",
        "0 到 2。小于 1 时把 z 拉向潜在空间中心：图片更干净、更典型，但多样性更低",
    ),
    "generate": ("Generate", "生成"),
    "images": ("Generated images (click one to enlarge or download it as PNG)", "生成的图片（点击可放大或下载 PNG）"),
    # -- sampling ------------------------------------------------------------------------------------------------
    "sample_explain": (
        "**Random sampling.** Each seed draws one latent vector z ~ N(0, I); the generator maps it to an image in a single forward pass. "
        "Try a few seeds to see how varied the generator is, and lower **ψ** (the *truncation trick*) to trade variety for quality: "
        "at ψ = 0 every seed gives the same image, the one at the centre of the latent space.",
        "**随机采样。** 每个种子抽取一个潜在向量 z ~ N(0, I)，生成器一次前向传播把它变成一张图片。"
        "多试几个种子，看看生成器的多样性；调低 **ψ**（*截断技巧*）可以用多样性换质量："
        "ψ = 0 时所有种子都生成同一张图，即潜在空间中心对应的图片。",
    ),
    # -- interpolation ---------------------------------------------------------------------------------------------
    "interpolate_explain": (
        "**Latent interpolation.** Walk in a straight line (or along a great circle) from seed A's latent vector to seed B's and "
        "generate an image at every step. Smooth, plausible in-between images mean the generator has learnt a continuous "
        "*latent space* rather than memorising training images.\n\n"
        "- **lerp** (linear): z(t) = (1 − t)·z_A + t·z_B. Halfway points have a smaller norm than typical samples "
        "(in 100 dimensions, Gaussian vectors live near a sphere of radius 10), so middle frames can look washed out.\n"
        "- **slerp** (spherical): follows the arc between z_A and z_B, keeping the norm typical, so every frame looks like a normal sample.",
        "**潜在空间插值。** 从种子 A 的潜在向量沿直线（或大圆弧）走到种子 B 的潜在向量，每一步生成一张图。"
        "中间图片平滑且合理，说明生成器学到的是连续的*潜在空间*，而不是死记训练图片。\n\n"
        "- **lerp**（线性插值）：z(t) = (1 − t)·z_A + t·z_B。中点的范数比正常样本小"
        "（100 维高斯向量集中在半径约 10 的球面附近），所以中间帧可能发灰、模糊。\n"
        "- **slerp**（球面插值）：沿 z_A 与 z_B 之间的圆弧前进，范数保持正常，每一帧都像正常样本。",
    ),
    "seed_a": ("Seed A (start)", "种子 A（起点）"),
    "seed_b": ("Seed B (end)", "种子 B（终点）"),
    "steps": ("Frames", "帧数"),
    "steps_info": ("2 to 48 frames, A and B included", "2 到 48 帧，包括 A 和 B"),
    "method": ("Path", "插值方式"),
    "frames": ("Frames from A to B", "从 A 到 B 的各帧"),
    "gif": ("Animation (GIF, plays A → B → A)", "动画（GIF，A → B → A 循环）"),
    # -- conditional ---------------------------------------------------------------------------------------------
    "conditional_explain": (
        "**Conditional GAN.** Both networks receive the class label y: the generator draws G(z, y) and the discriminator judges "
        "whether an image is a *real example of class y*. Here the generator injects y through **conditional batch norm** "
        "(each class has its own scale and shift in every layer) and the discriminator is a **projection discriminator** "
        "(it scores the match between image features and a learnt class embedding), helped by an auxiliary class loss. "
        "The noise z then only controls *how* the item is drawn (shape, thickness, pattern), and the label controls *what* is drawn.",
        "**条件 GAN。** 两个网络都接收类别标签 y：生成器画出 G(z, y)，判别器判断图片是否是*类别 y 的真实样本*。"
        "这里生成器通过**条件批归一化**注入 y（每个类别在每一层都有自己的缩放和偏移），判别器是**投影判别器**"
        "（为图片特征与学到的类别嵌入的匹配程度打分），并辅以一个辅助分类损失。"
        "于是噪声 z 只决定*怎么画*（形状、粗细、花纹），标签决定*画什么*。",
    ),
    "class": ("Class", "类别"),
    "class_gallery": ("Images of the chosen class", "所选类别的图片"),
    "class_grid": (
        "Class × seed grid: each column shares one z, each row is one class",
        "类别 × 种子网格：每一列共用同一个 z，每一行是一个类别",
    ),
    "limits": (
        "Limits: at most 64 images and 48 interpolation frames per request; seeds 0–4294967295; ψ between 0 and 2.",
        "限制：每次最多 64 张图、48 帧插值；种子 0–4294967295；ψ 取 0 到 2。",
    ),
}

# Fashion-MNIST class names as the UI shows them in Chinese.
CLASS_NAMES_ZH = {
    "T-shirt/top": "T恤/上衣", "Trouser": "裤子", "Pullover": "套头衫", "Dress": "连衣裙", "Coat": "外套",
    "Sandal": "凉鞋", "Shirt": "衬衫", "Sneaker": "运动鞋", "Bag": "包", "Ankle boot": "短靴",
}  # fmt: skip

ERRORS: dict[str, tuple[str, str]] = {
    "not_a_number": ("{name} must be a finite number, got {value!r}.", "{name}必须是有限的数字，收到的是 {value!r}。"),
    "not_an_integer": ("{name} must be a whole number, got {value}.", "{name}必须是整数，收到的是 {value}。"),
    "out_of_range": (
        "{name} must be between {low} and {high}, got {value}.",
        "{name}必须在 {low} 到 {high} 之间，收到的是 {value}。",
    ),
    "unknown_model": ("Unknown model {value!r}. Available: {choices}.", "未知模型 {value!r}。可选：{choices}。"),
    "unknown_class": (
        "Unknown class {value!r}. This model draws: {choices}.",
        "未知类别 {value!r}。该模型可生成：{choices}。",
    ),
    "unknown_method": (
        "Path must be 'lerp' or 'slerp', got {value!r}.",
        "插值方式必须是 'lerp' 或 'slerp'，收到的是 {value!r}。",
    ),
    "needs_conditional": ("{value!r} is not a class-conditional model.", "{value!r} 不是条件生成模型。"),
    "needs_unconditional": (
        "{value!r} needs a class: use the conditional tab.",
        "{value!r} 需要指定类别：请使用条件生成页。",
    ),
}

i18n = gr.I18n(
    en={key: en for key, (en, _) in TEXT.items()},
    **{"zh-CN": {key: zh for key, (_, zh) in TEXT.items()}, "zh": {key: zh for key, (_, zh) in TEXT.items()}},
)


def language(request: gr.Request | None) -> str:
    """'zh' when the browser prefers Chinese, else 'en'."""
    header = (request.headers.get("accept-language", "") if request is not None else "") or ""
    first = header.split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


def error(key: str, request: gr.Request | None, **values: object) -> gr.Error:
    en, zh = ERRORS[key]
    return gr.Error((zh if language(request) == "zh" else en).format(**values))


def field_name(key: str, request: gr.Request | None) -> str:
    """A control's label in the request's language, for error messages."""
    en, zh = TEXT[key]
    return zh if language(request) == "zh" else en


def class_label(name: str) -> str:
    """'Sneaker · 运动鞋' for the class dropdown; the value stays the English name."""
    zh = CLASS_NAMES_ZH.get(name)
    return f"{name} · {zh}" if zh else name
