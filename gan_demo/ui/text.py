"""Every string the UI shows, in English and Simplified Chinese.

Static text goes to the browser through `gr.I18n` (the browser's language picks
the translation); error messages are chosen per request from its
Accept-Language header, since gr.I18n only translates what the page renders.
Every refusal is a `gan_demo.errors.UserError(code, **values)`; `user_errors` (on each
handler) is the one place it becomes a gr.Error, from ERRORS[code].
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import gradio as gr

from ..errors import UserError
from ..imaging import MAX_SR_PIXELS, MAX_UPLOAD_PIXELS

P = ParamSpec("P")
R = TypeVar("R")

_SR_SIDE = math.isqrt(MAX_SR_PIXELS)
# Why super-resolution's limit is below the upload limit, when it is (GAN_DEMO_SR_MAX_PIXELS, imaging.py).
_SR_CPU = (" (it runs on a CPU)", "（在 CPU 上运行）") if MAX_SR_PIXELS < MAX_UPLOAD_PIXELS else ("", "")

TEXT: dict[str, tuple[str, str]] = {
    # -- page ------------------------------------------------------------------------------------------------
    "title": ("# GAN Playground · Explore generative adversarial networks", "# GAN 实验室 · 动手探索生成对抗网络"),
    "subtitle": (
        "Small generators trained by this project (on Fashion-MNIST, photographs and cartoon avatars), running live on your "
        "machine. Every sampled image comes from a **seed**: the same seed always gives the same image.",
        "这里的生成器均由本项目训练（数据为 Fashion-MNIST、照片和卡通头像），在你的电脑上实时运行。"
        "每张采样图片都由一个**随机种子**决定：同一个种子永远生成同一张图。",
    ),
    "tab_overview": ("What is a GAN?", "什么是 GAN?"),
    "models_title": ("The models: how each one was made", "模型：每个模型是怎样训练出来的"),
    "models_explain": (
        "Every model of this app, as its training left it: what it is, how well it does (each metric beside its "
        "**floor**, the value two samples of real data reach), the command that trains it again, and its loss curve.",
        "本应用的每个模型，保持训练结束时的样子：它是什么、效果如何（每个指标旁边是它的**下限**，即两份真实数据之间的值）、"
        "重新训练它的命令，以及它的损失曲线。",
    ),
    "models_metrics": ("### Metrics", "### 指标"),
    "models_command": ("### Train it again", "### 重新训练"),
    "models_losses": ("Losses during training", "训练过程中的损失"),
    "models_timelapse": ("Samples over training (timelapse)", "训练过程中的样本（延时动画）"),
    "models_missing_info": (
        "Not saved by this checkpoint's training (the shipped ones predate timelapses; for a run folder that kept its "
        "`samples/`, `python scripts/train.py --config <recipe.json> --resume` draws it without training):",
        "该检查点的训练没有保存（随附的检查点早于延时动画功能；若运行目录保留了 `samples/`，"
        "`python scripts/train.py --config <recipe.json> --resume` 无需训练即可生成）：",
    ),
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
- See each of these happen, live, in the **Training lab** tab's presets: *mode collapse*, *vanishing gradients (saturating loss)* and *D too strong* show the problems; *WGAN-GP recovers*, *TTUR* and *spectral norm* the remedies.

## The models here
| model | what it shows |
|---|---|
| DCGAN | the classic convolutional GAN, trained with the original (non-saturating) loss |
| WGAN-GP | same generator, trained against a Wasserstein critic with a gradient penalty |
| Conditional GAN | generator and discriminator both see the class label: you choose what to draw |
| StyleGAN2 | a mapping network z → w and one style per layer: mix the styles of two avatars, walk W space |
| SRGAN | a generator that enlarges photos ×4; compare it with its PSNR-oriented twin |
| pix2pix | a conditional GAN from your line drawing to a coloured picture, beside an L1-only twin |

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
- 在**训练实验室**标签页的预设中可以实时看到这些现象：*模式崩溃*、*梯度消失（饱和损失）*和*判别器过强*展示问题；*WGAN-GP 恢复多样性*、*TTUR* 和*谱归一化*展示改进。

## 这里的模型
| 模型 | 展示内容 |
|---|---|
| DCGAN | 经典卷积 GAN，使用原始（非饱和）损失训练 |
| WGAN-GP | 相同的生成器，对抗带梯度惩罚的 Wasserstein 评论家 |
| 条件 GAN | 生成器和判别器都能看到类别标签：由你决定画什么 |
| StyleGAN2 | 映射网络 z → w，每一层一个风格：混合两个头像的风格，在 W 空间中插值 |
| SRGAN | 把照片放大 4 倍的生成器，可与面向 PSNR 的同结构模型对比 |
| pix2pix | 从线稿生成彩色图片的条件 GAN，可与只用 L1 训练的同结构模型对比 |

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
        "0 to 2. Below 1: the latent is pulled towards the centre (z towards 0; for StyleGAN, w towards the mean w) — cleaner, more typical, less varied images",
        "0 到 2。小于 1 时把潜在向量拉向中心（z 拉向 0；StyleGAN 则把 w 拉向平均 w）：图片更干净、更典型，但多样性更低",
    ),
    "generate": ("Generate", "生成"),
    "images": ("Generated images (click one to enlarge or download it as PNG)", "生成的图片（点击可放大或下载 PNG）"),
    # -- sampling ------------------------------------------------------------------------------------------------
    "sample_explain": (
        "**Random sampling.** Each seed draws one latent vector z ~ N(0, I); the generator maps it to an image in a single forward pass. "
        "Try a few seeds to see how varied the generator is, and lower **ψ** (the *truncation trick*) to trade variety for quality: "
        "at ψ = 0 every seed gives the same image, the one at the centre of the latent space.\n\n"
        "For a **StyleGAN** model the truncation happens in W, after the mapping network: w′ = w̄ + ψ·(w − w̄), where w̄ is the "
        "average w (tracked during training). Pulling towards w̄ instead of towards z = 0 keeps images on the data: w̄ is a "
        "plausible 'average avatar', while z = 0 need not be anything the generator was trained to draw.",
        "**随机采样。** 每个种子抽取一个潜在向量 z ~ N(0, I)，生成器一次前向传播把它变成一张图片。"
        "多试几个种子，看看生成器的多样性；调低 **ψ**（*截断技巧*）可以用多样性换质量："
        "ψ = 0 时所有种子都生成同一张图，即潜在空间中心对应的图片。\n\n"
        "对 **StyleGAN** 模型，截断发生在映射网络之后的 W 空间：w′ = w̄ + ψ·(w − w̄)，其中 w̄ 是训练中统计的平均 w。"
        "向 w̄ 而不是向 z = 0 收缩，图片仍落在数据分布上：w̄ 对应一个合理的“平均头像”，而 z = 0 未必是生成器学过要画的东西。",
    ),
    # -- interpolation ---------------------------------------------------------------------------------------------
    "interpolate_explain": (
        "**Latent interpolation.** Walk in a straight line (or along a great circle) from seed A's latent vector to seed B's and "
        "generate an image at every step. Smooth, plausible in-between images mean the generator has learnt a continuous "
        "*latent space* rather than memorising training images.\n\n"
        "- **lerp** (linear): z(t) = (1 − t)·z_A + t·z_B. Halfway points have a smaller norm than typical samples "
        "(in 100 dimensions, Gaussian vectors live near a sphere of radius 10), so middle frames can look washed out.\n"
        "- **slerp** (spherical): follows the arc between z_A and z_B, keeping the norm typical, so every frame looks like a normal sample.\n"
        "- **Z or W** (StyleGAN models): Z is a fixed Gaussian ball, so the generator has to *warp* it to fit the training data, whose "
        "factors (pose, hair, colours) are not spread like a Gaussian; a straight path in Z can then rush through some changes, dawdle in others, "
        "or pass features that belong to neither end. The **mapping network** learns to *unwarp* Z into W, where equal steps give "
        "more even, more linear changes: W paths morph more smoothly (the StyleGAN paper measures this as a shorter *perceptual path length*). "
        "In W the two w's are joined directly (ψ applied to each end; W is no sphere, so lerp is the natural path there, as in the paper); "
        "in Z every frame's z goes through the mapping network.",
        "**潜在空间插值。** 从种子 A 的潜在向量沿直线（或大圆弧）走到种子 B 的潜在向量，每一步生成一张图。"
        "中间图片平滑且合理，说明生成器学到的是连续的*潜在空间*，而不是死记训练图片。\n\n"
        "- **lerp**（线性插值）：z(t) = (1 − t)·z_A + t·z_B。中点的范数比正常样本小"
        "（100 维高斯向量集中在半径约 10 的球面附近），所以中间帧可能发灰、模糊。\n"
        "- **slerp**（球面插值）：沿 z_A 与 z_B 之间的圆弧前进，范数保持正常，每一帧都像正常样本。\n"
        "- **Z 还是 W**（StyleGAN 模型）：Z 是固定的高斯球，而训练数据的各种因素（姿态、发型、配色）并不是按高斯分布排列的，"
        "生成器只好把 Z *扭曲*去迁就数据；于是 Z 中的一条直线路径可能在某些变化上一掠而过、在另一些上停滞不前，甚至途经两端都没有的特征。"
        "**映射网络**学会把 Z *展平*为 W：在 W 中等距的步子带来更均匀、更线性的变化，所以 W 中的插值更平滑"
        "（StyleGAN 论文用更短的*感知路径长度*来衡量这一点）。W 插值直接连接两端的 w（两端各自施加 ψ；W 不是球面，所以那里用 lerp 最自然，论文也是这样做的）；"
        "Z 插值则让每一帧的 z 都经过映射网络。",
    ),
    "seed_a": ("Seed A (start)", "种子 A（起点）"),
    "seed_b": ("Seed B (end)", "种子 B（终点）"),
    "steps": ("Frames", "帧数"),
    "steps_info": ("2 to 48 frames, A and B included", "2 到 48 帧，包括 A 和 B"),
    "method": ("Path", "插值方式"),
    "frames": ("Frames from A to B", "从 A 到 B 的各帧"),
    "gif": ("Animation (GIF, plays A → B → A)", "动画（GIF，A → B → A 循环）"),
    "space": ("Latent space", "潜在空间"),
    "space_info": (
        "Z: every frame's z goes through the mapping network · W: a straight walk between the two w's, usually smoother",
        "Z：每一帧的 z 都经过映射网络 · W：在两个 w 之间直接插值，通常更平滑",
    ),
    "space_off_info": (
        "Z only: a W space belongs to StyleGAN models (their mapping network turns z into w)",
        "只能用 Z：只有 StyleGAN 模型才有 W 空间（由映射网络把 z 变成 w）",
    ),
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
    # -- the truncation sweep in the sampling tab (StyleGAN models) -------------------------------------------------
    "sweep_explain": (
        "**Truncation sweep** (the first seed): ψ = 0 is the mean w, the 'average avatar' every seed shrinks to; ψ = 1 is the seed's own w; "
        "ψ = 1.5 pushes past it. Lower ψ gives cleaner, more typical images but less variety: the **quality ↔ diversity trade-off** "
        "(published StyleGAN figures often use ψ ≈ 0.7).",
        "**截断扫描**（第一个种子）：ψ = 0 是平均 w，也就是所有种子都会收缩到的“平均头像”；ψ = 1 是该种子自己的 w；"
        "ψ = 1.5 则越过它继续向外推。ψ 越小，图片越干净、越典型，但多样性越低：这就是**质量 ↔ 多样性的权衡**"
        "（论文中展示的 StyleGAN 图片常用 ψ ≈ 0.7）。",
    ),
    "sweep_off": (
        "*A truncation sweep (one seed at ψ = 0 … 1.5) appears here for StyleGAN models, whose ψ pulls w towards the mean w.*",
        "*选择 StyleGAN 模型时，这里会显示截断扫描（同一个种子在 ψ = 0 … 1.5 下的图片），其 ψ 把 w 拉向平均 w。*",
    ),
    "limits": (
        "Limits: at most 64 images and 48 interpolation frames per request; seeds 0–4294967295; ψ between 0 and 2.",
        "限制：每次最多 64 张图、48 帧插值；种子 0–4294967295；ψ 取 0 到 2。",
    ),
    # -- style mixing ----------------------------------------------------------------------------------------------
    "tab_stylemix": ("Style mixing", "风格混合"),
    "stylemix_explain": (
        "**Style mixing** (StyleGAN, Karras et al. 2019; StyleGAN2, 2020). Each cell of the grid is drawn with the **row** image's style in some "
        "layers and the **column** image's style in the others: what changes along a row shows what those layers control.\n\n"
        "- **Mapping network and W space.** z (random numbers from a Gaussian) does not go into the image network directly: an 8-layer MLP, "
        "the *mapping network*, turns it into an intermediate latent **w**. Z must stay a Gaussian ball, but the factors of the training data "
        "are not spread like one, so a generator fed with z has to *warp* it; W is free of that constraint, and its directions come out "
        "far more **disentangled** (one direction, one kind of change).\n"
        "- **One style per layer.** The synthesis network starts from a learnt 4 × 4 constant and grows it to the full image; every "
        "layer receives w through its own learnt affine map (its *style*). Feeding one w to some layers and another w to the rest is "
        "style mixing; during training it is done at random (*mixing regularisation*), which teaches the layers not to rely on each other.\n"
        "- **What each group controls** (layers 2k and 2k+1 work at 4·2^k pixels): **coarse** (4–8 px) the pose, head and hair shape; "
        "**middle** (16–32 px) facial features such as eyes, mouth, glasses; **fine** (64 px and up) the colour scheme and micro-structure. "
        "That is the paper's 1024 px faces; in the shipped 64 px avatar model, measured with the attribute classifier, the coarse "
        "layers carry the colours *and* part of the hair shape, while the fine layers change almost nothing (its model card "
        "has the numbers): try each group and see.\n"
        "- **Truncation trick.** w′ = w̄ + ψ·(w − w̄) pulls every w towards the average w̄: ψ < 1 trades variety for cleaner, more "
        "typical images; ψ = 0 makes every seed the same 'average avatar'.\n"
        "- **Weight demodulation instead of AdaIN.** StyleGAN (v1) applied a style with *AdaIN*: normalise each feature map to zero mean "
        "and unit variance, then scale and shift it. Normalising each map on its own throws away how strong the features are relative "
        "to each other, and the generator learnt to sneak that information past the normalisation with one very strong, localised spike: "
        "the blob-like **droplet artefacts** of StyleGAN images. StyleGAN2 moves the style into the convolution: the style scales "
        "the weights (*modulation*), then each output channel's weights are rescaled so that its output has unit variance *in "
        "expectation* (*demodulation*). The normalisation now depends on the weights, not on the actual feature maps, so there is "
        "nothing to sneak past, and the droplets are gone.\n"
        "- **Noise.** Every layer adds per-pixel Gaussian noise scaled by a learnt strength, for stochastic detail (wisps of hair, "
        "texture) that w need not encode. **random**: fresh noise, drawn reproducibly from each image's seed (a mixed cell takes its "
        "row's); **const**: the fixed noise maps stored with the model, the same for every image; **none**: no noise — detail "
        "becomes smoother and flatter.",
        "**风格混合**（StyleGAN，Karras 等，2019；StyleGAN2，2020）。网格中的每一格，在一部分层使用**行**图片的风格，在其余层使用**列**图片的风格："
        "沿着一行看哪些东西变了，就知道这些层控制什么。\n\n"
        "- **映射网络与 W 空间。** z（从高斯分布中抽取的随机数）并不直接进入生成图像的网络：一个 8 层的多层感知机——**映射网络**——"
        "先把它变成中间潜在向量 **w**。Z 必须保持高斯球的形状，而训练数据的各种因素并不是这样分布的，直接吃 z 的生成器只好把 Z *扭曲*去迁就数据；"
        "W 没有这个限制，它的各个方向也就**解耦**得多（一个方向，一种变化），缓解了“潜空间纠缠”。\n"
        "- **每层一个风格。** 合成网络从一个学到的 4 × 4 常量开始，逐步放大到整张图；每一层都通过自己学到的仿射变换接收 w（即该层的*风格*）。"
        "给一部分层喂一个 w、其余层喂另一个 w，就是风格混合；训练时会随机这样做（*混合正则化*），让各层不互相依赖。\n"
        "- **各组层控制什么**（第 2k 和 2k+1 层工作在 4·2^k 像素）：**粗糙层**（4–8 像素）控制姿态、头型和发型轮廓；"
        "**中间层**（16–32 像素）控制眼睛、嘴巴、眼镜等面部特征；**精细层**（64 像素及以上）控制配色和微观纹理。"
        "这是论文中 1024 像素人脸的情况；在本项目的 64 像素头像模型中，用属性分类器测得：粗糙层既决定配色，*也*部分决定发型，"
        "精细层几乎不改变什么（数字见模型卡）：每组都试一试吧。\n"
        "- **截断技巧。** w′ = w̄ + ψ·(w − w̄) 把每个 w 拉向平均 w̄：ψ < 1 用多样性换来更干净、更典型的图片；ψ = 0 时所有种子都是同一个“平均头像”。\n"
        "- **用权重解调取代 AdaIN。** 第一代 StyleGAN 用**自适应实例归一化**（AdaIN）注入风格：把每张特征图归一化为均值 0、方差 1，再缩放和偏移。"
        "逐张特征图单独归一化，会丢掉各特征之间的相对强弱，生成器于是学会用一个极强的局部尖峰把这些信息“偷偷带过”归一化："
        "这就是 StyleGAN 图片中斑点状的**水滴伪影**。StyleGAN2 把风格移进卷积：先用风格缩放卷积权重（*调制*），再把每个输出通道的权重重新缩放，"
        "使其输出的方差*在期望意义上*为 1（*解调*）。归一化只取决于权重，而不取决于实际的特征图，也就无从“偷带”，水滴伪影随之消失。\n"
        "- **噪声。** 每一层都加入逐像素的高斯噪声（**噪声注入**），乘以学到的强度，用来产生 w 不必编码的随机细节（发丝、纹理）。"
        "**random**：新抽取的噪声，由每张图的种子决定、可复现（混合格子用它所在行的噪声）；**const**：模型里保存的固定噪声图，每张图都相同；"
        "**none**：不加噪声——细节会变得更平滑、更单调。",
    ),
    "sm_rows": ("Row seeds", "行种子"),
    "sm_columns": ("Column seeds", "列种子"),
    "sm_rows_info": (
        "The sources down the left: 1 to 8 whole numbers from 0 to 4294967295, separated by commas",
        "左侧一列的源图片：1 到 8 个 0 到 4294967295 之间的整数，用逗号分隔",
    ),
    "sm_columns_info": (
        "The sources along the top: 1 to 8 whole numbers from 0 to 4294967295, separated by commas",
        "顶部一行的源图片：1 到 8 个 0 到 4294967295 之间的整数，用逗号分隔",
    ),
    "sm_dice": ("New random seeds", "随机换一组种子"),
    "sm_layers": ("Layers that take the column's style", "采用列图片风格的层"),
    "sm_coarse": ("coarse · 4–8 px: pose, head and hair shape", "粗糙层 · 4–8 像素：姿态、头型和发型轮廓"),
    "sm_middle": ("middle · 16–32 px: facial features", "中间层 · 16–32 像素：面部特征"),
    "sm_fine": ("fine · 64 px and up: colours and micro-structure", "精细层 · 64 像素及以上：配色和微观纹理"),
    "sm_custom": ("custom range", "自定义范围"),
    "sm_from": ("From layer", "起始层"),
    "sm_to": ("To layer", "结束层"),
    "sm_range_info": (
        "Choose “custom range” to set. Layers 2k and 2k+1 work at 4·2^k px: 0–1 at 4 px, 2–3 at 8 px, 4–5 at 16 px, …",
        "选择“自定义范围”后可调。第 2k 和 2k+1 层工作在 4·2^k 像素：0–1 层 4 像素，2–3 层 8 像素，4–5 层 16 像素……",
    ),
    "sm_custom_info": (
        "Both ends included. Layers 2k and 2k+1 work at 4·2^k px: 0–1 at 4 px, 2–3 at 8 px, 4–5 at 16 px, …",
        "包含两端。第 2k 和 2k+1 层工作在 4·2^k 像素：0–1 层 4 像素，2–3 层 8 像素，4–5 层 16 像素……",
    ),
    "sm_empty_info": (
        "This model has no layers in that group (it is too small): pick another group or a custom range",
        "该模型在这一组中没有任何层（模型分辨率太低）：请换一组或使用自定义范围",
    ),
    "sm_noise": ("Noise", "噪声"),
    "sm_noise_info": (
        "random: fresh per-pixel noise from each image's seed · const: the fixed noise maps stored with the model · none: no noise (smoother, flatter detail)",
        "random：由每张图的种子抽取新噪声 · const：模型中保存的固定噪声图 · none：不加噪声（细节更平滑、更单调）",
    ),
    "sm_group_coarse": ("coarse", "粗糙层"),
    "sm_group_middle": ("middle", "中间层"),
    "sm_group_fine": ("fine", "精细层"),
    "sm_go": ("Mix styles", "混合风格"),
    "sm_grid": (
        "Column sources along the top, row sources down the left; each cell is its row's image with the chosen layers' style taken from its column",
        "顶部是列源图片，左侧是行源图片；每一格是该行的图片，只是所选层的风格取自该列",
    ),
    "sm_examples": ("Examples: click one", "示例：点击载入"),
    "sm_limits": (
        "Limits: 1–8 seeds per side (seeds 0–4294967295); ψ between 0 and 2.",
        "限制：每边 1–8 个种子（种子 0–4294967295）；ψ 取 0 到 2。",
    ),
    "sm_none": (
        "No StyleGAN model is installed yet (expected in `checkpoints/stylegan-avatars`).",
        "尚未安装 StyleGAN 模型（应位于 `checkpoints/stylegan-avatars`）。",
    ),
    # -- super-resolution -------------------------------------------------------------------------------------------
    "tab_superres": ("Super-resolution", "超分辨率"),
    "superres_explain": (
        "**Super-resolution** enlarges a photo ×4 by *predicting* the detail that the small image lost. The generator is an "
        "**SRResNet** (residual blocks, Ledig et al. 2017; then one *sub-pixel convolution*, Shi et al. 2016, that predicts each pixel's "
        "4 × 4 enlargement at once) trained on photos and their bicubic ×4 reductions; it adds detail to a bicubic enlargement.\n\n"
        "- **PSNR-oriented model** (pixel loss only): one small patch fits many sharp originals, and a pixel loss is lowest for their "
        "*average* — faithful, but blurry.\n"
        "- **SRGAN** adds a **discriminator** and an **adversarial loss**: an average looks fake, so the generator commits to one plausible "
        "sharp texture. Crisper, but part of the detail is *invented* (hair, foliage, lettering need not match the original).\n"
        "- **Perception–distortion trade-off** (Blau & Michaeli 2018): no method can be at once most faithful (lowest distortion: "
        "highest PSNR/SSIM) and most realistic. Tick **known-answer test** to measure it: the GAN model usually scores lower PSNR than the "
        "PSNR-oriented model, yet looks sharper.\n"
        "- **Network interpolation** (ESRGAN, Wang et al. 2018): the GAN model was fine-tuned from the PSNR-oriented one, so their weights "
        "can be mixed, θ = (1 − α)·θ_PSNR + α·θ_GAN; the α slider walks along the trade-off without retraining.\n"
        "- **Tiling**: large images are processed in tiles that overlap by the network's receptive field, so the result equals one pass "
        "over the whole image while memory stays that of one tile.",
        "**超分辨率**通过*预测*小图丢失的细节，把照片放大 4 倍。这里的生成器是 **SRResNet**（残差块，Ledig 等，2017；再用一个*亚像素卷积*"
        "（Shi 等，2016）一次预测每个像素放大后的 4 × 4 个像素），"
        "用照片及其双三次插值缩小 4 倍的版本成对训练；它在双三次放大的结果上补充细节。\n\n"
        "- **面向 PSNR 的模型**（只用像素损失）：同一个低分辨率小块可能对应许多种清晰原图，而像素损失在它们的*平均*处最小——"
        "结果忠实，但偏模糊。\n"
        "- **SRGAN** 加入**判别器**和**对抗损失**：平均出来的模糊图一看就是假的，于是生成器只能选定一种合理的清晰纹理。"
        "画面更锐利，但部分细节是“编”出来的（头发、树叶、文字未必与原图一致）。\n"
        "- **感知–失真权衡**（Blau & Michaeli，2018）：任何方法都不可能同时做到最忠实（失真最小：PSNR/SSIM 最高）和最逼真。"
        "勾选**已知答案测试**即可量化：GAN 模型的 PSNR 通常低于面向 PSNR 的模型，看起来却更清晰。\n"
        "- **网络插值**（ESRGAN，Wang 等，2018）：GAN 模型是从面向 PSNR 的模型微调而来的，二者的权重可以直接混合，"
        "θ = (1 − α)·θ_PSNR + α·θ_GAN；拖动 α 滑块即可沿着这条权衡曲线移动，无需重新训练。\n"
        "- **分块处理**：大图被切成若干块分别处理，块与块之间重叠网络的感受野宽度，因此结果与整图一次处理完全相同，内存占用却只有一块的大小。",
    ),
    "sr_upload": ("Image to enlarge", "要放大的图片"),
    "sr_examples": ("Example photos", "示例照片"),
    "sr_alpha": ("PSNR ↔ GAN α", "PSNR ↔ GAN α"),
    "sr_alpha_info": (
        "Network interpolation. 0: the PSNR-oriented model (faithful, smooth) · 1: the GAN model (sharp, partly invented texture) · in between: their weights blended",
        "网络插值。0：面向 PSNR 的模型（忠实、平滑）· 1：GAN 模型（锐利，部分纹理是“编”出来的）· 中间值：两者权重按比例混合",
    ),
    "sr_alpha_off_info": (
        "No effect for this model: it was not fine-tuned from a PSNR-oriented model (or that model is not installed)",
        "对该模型无效：它不是从面向 PSNR 的模型微调而来（或该基础模型未安装）",
    ),
    "sr_known": ("Known-answer test", "已知答案测试"),
    "sr_known_info": (
        "Shrink your image ×4 first, enlarge it back, and measure PSNR and SSIM against your original",
        "先把图片缩小到 1/4，再放大回来，并以原图为标准计算 PSNR 和 SSIM",
    ),
    "sr_go": ("Enlarge ×4", "放大 ×4"),
    "sr_slider": (
        "Bicubic interpolation (left) ↔ model (right): drag the handle",
        "双三次插值（左）↔ 模型（右）：拖动中间的把手对比",
    ),
    "sr_download": ("Full-resolution result (PNG)", "全分辨率结果（PNG）"),
    "sr_limits": (
        f"PNG, JPEG, GIF, WebP, BMP or TIFF, at most {MAX_SR_PIXELS:,} pixels (e.g. {_SR_SIDE} × {_SR_SIDE}) on this "
        f"server{_SR_CPU[0]}, so the result is at most {4 * _SR_SIDE} × {4 * _SR_SIDE}. Animated images: the first "
        "frame is used; transparency is kept.",
        f"支持 PNG、JPEG、GIF、WebP、BMP 或 TIFF，本服务器{_SR_CPU[1]}每张最多 {MAX_SR_PIXELS:,} 像素（例如 {_SR_SIDE} × "
        f"{_SR_SIDE}），因此结果最大为 {4 * _SR_SIDE} × {4 * _SR_SIDE}。动图只使用第一帧；透明通道会保留。",
    ),
    "sr_none": (
        "No super-resolution model is installed yet (expected in `checkpoints/srresnet-photo-x4` and `checkpoints/srgan-photo-x4`).",
        "尚未安装超分辨率模型（应位于 `checkpoints/srresnet-photo-x4` 和 `checkpoints/srgan-photo-x4`）。",
    ),
    # -- image-to-image translation ---------------------------------------------------------------------------------
    "tab_translate": ("Image-to-image translation", "图像到图像翻译"),
    "translate_explain": (
        "**Image-to-image translation** turns one picture into another — here a line drawing into a coloured avatar — with "
        "**pix2pix** (Isola et al. 2017), a *conditional* GAN: the generator starts from your drawing instead of random noise.\n\n"
        "- **Generator: a U-Net.** An encoder shrinks the drawing to a compact code and a decoder grows it back; **skip connections** "
        "hand each decoder level the encoder's features at the same resolution, so your lines arrive in the output exactly where you drew them.\n"
        "- **Discriminator: a PatchGAN.** It sees the drawing beside a picture and judges every 70 × 70 pixel patch real or fake, "
        "so it polices local texture and sharpness, while the L1 loss keeps the overall colours close to the training pictures.\n"
        "- **Why L1 alone is blurry:** one drawing fits many colourings, and an L1 (pixel) loss is lowest for their median — a washed-out "
        "compromise (right: the same U-Net trained without a discriminator). The **adversarial loss** punishes such averages, because real "
        "pictures are never blurry, so the generator commits to one plausible, crisp answer.\n"
        "- **Noise:** pix2pix has no z vector; during training **dropout** provides the randomness. Here the model runs in evaluation "
        "mode (no dropout), so one drawing always gives the same picture.\n\n"
        "Your drawing is cleaned to black lines on white, padded with white to a square (its proportions are kept) and resized to the model's input size.",
        "**图像到图像翻译**把一张图变成另一张图——这里是把线稿变成彩色头像。所用方法是 **pix2pix**（Isola 等，2017），"
        "一种*条件* GAN：生成器的出发点是你的线稿，而不是随机噪声。\n\n"
        "- **生成器：U-Net。** 编码器把线稿逐步压缩成紧凑的编码，解码器再把它逐步放大还原；**U-Net 跳跃连接**把编码器同一分辨率的特征"
        "直接送给解码器的对应层，所以你画的线条会准确地出现在输出中相同的位置。\n"
        "- **判别器：PatchGAN。** 它把线稿和图片并排输入，对每个 70 × 70 像素的小块分别判断真假，因此专门约束局部纹理和清晰度；"
        "整体颜色则由 L1 损失拉近训练图片。\n"
        "- **为什么只用 L1 会模糊：** 同一张线稿可以有许多种上色方式，而 L1（像素）损失在它们的中位数处最小——结果是一个灰蒙蒙的折中"
        "（右图：同一个 U-Net 不用判别器、只用 L1 训练的结果）。**对抗损失**会惩罚这种“平均”，因为真实图片从来不模糊，"
        "于是生成器只能选定一种合理而清晰的答案。\n"
        "- **噪声：** pix2pix 没有 z 向量，训练时的随机性来自 **dropout**。这里模型以推理模式运行（不用 dropout），"
        "所以同一张线稿永远得到同一张图。\n\n"
        "你的线稿会被整理成白底黑线，用白色补成正方形（保持原有比例），再缩放到模型的输入尺寸。",
    ),
    "tr_source": ("Input", "输入方式"),
    "tr_source_sketch": ("Draw on the canvas", "在画布上画"),
    "tr_source_drawing": ("Upload a drawing (dark lines on a light background)", "上传线稿（浅色背景、深色线条）"),
    "tr_source_picture": (
        "Upload a picture or photo (its edges are extracted first; an imported model that takes pictures, such as horse2zebra, gets the picture itself)",
        "上传图片或照片（先自动提取边缘；直接处理图片的导入模型，例如 horse2zebra，则直接使用图片本身）",
    ),
    "tr_canvas": (
        "Draw with the black brush: brush, eraser and brush size are on the left of the canvas; undo, redo and clear at its top right.",
        "用黑色画笔作画：画笔、橡皮擦和笔刷粗细在画布左侧；撤销、重做和清空在画布右上角。",
    ),
    "tr_upload": ("Drawing or picture", "线稿或图片"),
    "tr_examples": ("Example drawings: click one, then draw on it", "示例线稿：点击载入，可以在上面接着画"),
    "tr_go": ("Turn it into a picture", "生成图片"),
    "tr_seen": ("What the generator sees", "生成器看到的输入"),
    "tr_result": ("Chosen model", "所选模型"),
    "tr_l1": ("L1 only, no discriminator", "仅 L1 损失，无判别器"),
    "tr_limits": (
        "Uploads: PNG, JPEG, GIF, WebP, BMP or TIFF, at most 2048 × 2048 pixels. Transparent areas count as white paper; "
        "lines of any colour count as ink.",
        "上传：支持 PNG、JPEG、GIF、WebP、BMP 或 TIFF，最多 2048 × 2048 像素。透明区域视为白纸；任何颜色的线条都视为墨迹。",
    ),
    "tr_none": (
        "No image-to-image model is installed yet (expected in `checkpoints/pix2pix-edges2avatars`).",
        "尚未安装图像到图像翻译模型（应位于 `checkpoints/pix2pix-edges2avatars`）。",
    ),
    # -- training lab (gan_demo/ui/lab.py) -----------------------------------------------------------------------
    "tab_lab": ("Training lab", "训练实验室"),
    "lab_explain": (
        "**Watch a GAN learn, live.** Here the server trains a GAN while you watch: the adversarial game, mode collapse, "
        "vanishing gradients and the tricks that fix them, made visible. Each browser has its own run.",
        "**实时观看 GAN 的训练。** 服务器一边训练，你一边观看：对抗博弈、模式崩溃、梯度消失，以及解决它们的各种技巧，都看得见。"
        "每个浏览器都有自己独立的训练。",
    ),
    "lab_tab_2d": ("2D playground", "二维游乐场"),
    "lab_tab_images": ("Images", "图像"),
    "lab_2d_explain": (
        "**The 2D playground** (after GAN Lab, Kahng et al. 2018). The data are points in the plane (**green**); the generator G turns "
        "random noise into points (**purple**). The background is D's verdict: green where it says *real*, purple where it says *fake*, "
        "white where it cannot tell. The grey mesh is the image of a regular grid of noise under G (how G warps the noise space), and the "
        "arrows show where G's loss pushes each fake point. Press **Play**, or step D and G by hand; every control also works while it runs.",
        "**二维游乐场**（仿照 GAN Lab，Kahng 等，2018）。数据是平面上的点（**绿色**）；生成器 G 把随机噪声变成点（**紫色**）。"
        "背景是 D 的判断：绿色表示它认为是*真*，紫色表示*假*，白色表示分不清。灰色网格是规则噪声网格经过 G 之后的样子（G 如何扭曲噪声空间），"
        "箭头表示 G 的损失把每个生成点往哪里推。按 **播放**，或手动单步训练 D 和 G；所有控件在训练进行中也可以修改。",
    ),
    "lab_play": ("▶ Play", "▶ 播放"),
    "lab_pause": ("Pause", "暂停"),
    "lab_step_both": ("Step D + G", "单步 D + G"),
    "lab_step_d": ("Step D only", "只训练 D 一步"),
    "lab_step_g": ("Step G only", "只训练 G 一步"),
    "lab_reset": ("Reset", "重置"),
    "lab_view": ("Live view (click to add points of your own)", "实时视图（点击可添加你自己的数据点）"),
    "lab_preset": ("Preset", "预设"),
    "lab_preset_info": (
        "A ready-made experiment showing one phenomenon; it sets every control and the seed, then resets",
        "现成的实验，每个展示一种现象；选择后会设置所有控件和种子并重置",
    ),
    "lab_preset_none": ("(your own settings)", "（自定义设置）"),
    "lab_seed_info": (
        "Same seed + same settings = the same training, step for step",
        "相同种子 + 相同设置 = 完全相同的训练过程",
    ),
    "lab_speed": ("Speed (training steps per refresh)", "速度（每次刷新训练的步数）"),
    "lab_speed_info": ("The view refreshes about 5 times a second", "视图每秒约刷新 5 次"),
    "lab_layers": ("Show", "显示"),
    "lab_layers_info": ("Layers of the view", "视图中的图层"),
    "lab_layer_heatmap": ("D's decision", "D 的判断"),
    "lab_layer_real": ("real points", "真实数据点"),
    "lab_layer_fake": ("fake points", "生成的点"),
    "lab_layer_manifold": ("G's warped noise grid", "G 扭曲后的噪声网格"),
    "lab_layer_arrows": ("G's gradients", "G 的梯度"),
    "lab_data": ("Data", "数据"),
    "lab_data_info": (
        "Ring of 8 Gaussians, 5 × 5 grid of Gaussians, spiral, two moons, a line, or your own points (click on the view)",
        "8 个高斯组成的环、5 × 5 高斯网格、螺旋、双月牙、一条线段，或你自己点击添加的点",
    ),
    "lab_data_ring": ("ring of 8", "8 点环"),
    "lab_data_grid": ("5 × 5 grid", "5 × 5 网格"),
    "lab_data_spiral": ("spiral", "螺旋"),
    "lab_data_moons": ("two moons", "双月牙"),
    "lab_data_line": ("line", "线段"),
    "lab_data_drawn": ("my points", "我的点"),
    "lab_clear_points": ("Clear my points", "清除我的点"),
    "lab_models": ("Networks", "网络"),
    "lab_noise_dim": ("Noise dimensions", "噪声维数"),
    "lab_noise_dim_info": ("1D noise: G draws a curve; 2D: a sheet", "一维噪声：G 画出一条曲线；二维：一张曲面"),
    "lab_noise": ("Noise distribution", "噪声分布"),
    "lab_noise_info": ("Uniform in [−1, 1] or standard Gaussian", "[−1, 1] 上的均匀分布或标准正态分布"),
    "lab_g_layers": ("G hidden layers", "G 隐藏层数"),
    "lab_g_width": ("G width (units per layer)", "G 宽度（每层单元数）"),
    "lab_d_layers": ("D hidden layers", "D 隐藏层数"),
    "lab_d_width": ("D width (units per layer)", "D 宽度（每层单元数）"),
    "lab_arch_info": ("Changing it gives that network new weights", "修改后该网络会重新初始化权重"),
    "lab_training": ("Training", "训练"),
    "lab_loss": ("Loss", "损失函数"),
    "lab_loss_info": (
        "saturating: G minimises log(1 − D(G(z))), the original minimax; non-saturating: −log D(G(z)); WGAN: a critic's score with "
        "weight clipping or a gradient penalty; hinge; least squares (LSGAN)",
        "saturating：G 最小化 log(1 − D(G(z)))，即原始极小极大形式；non-saturating：−log D(G(z))；WGAN：评论家打分，配合权重裁剪或梯度惩罚；"
        "hinge；最小二乘（LSGAN）",
    ),
    "lab_g_lr": ("G learning rate", "G 学习率"),
    "lab_d_lr": ("D learning rate", "D 学习率"),
    "lab_lr_info": (
        "Different rates for G and D: the two time-scale update rule (TTUR, Heusel et al. 2017)",
        "G 和 D 使用不同的学习率：双时间尺度更新规则（TTUR，Heusel 等，2017）",
    ),
    "lab_optimizer": ("Optimizer", "优化器"),
    "lab_optimizer_info": ("Adam with β₁, β₂, or SGD with momentum β₁", "Adam（参数 β₁、β₂），或带动量 β₁ 的 SGD"),
    "lab_beta1": ("β₁ (Adam) / momentum (SGD)", "β₁（Adam）/ 动量（SGD）"),
    "lab_beta2": ("β₂ (Adam)", "β₂（Adam）"),
    "lab_d_steps": ("D steps per G step", "每步 G 对应的 D 步数"),
    "lab_d_steps_info": ("WGAN trains its critic 5 times per G step", "WGAN 每训练一次 G 就训练评论家 5 次"),
    "lab_batch": ("Batch size", "批大小"),
    "lab_api_steps": ("steps", "步数"),
    "lab_batch_info": ("Real and fake points in each step of D and of G", "D 和 G 每一步使用的真实点和生成点数量"),
    "lab_beta1_info": (
        "Adam's momentum: 0.5 is usual for GANs (DCGAN), 0 for WGAN-GP",
        "Adam 的动量：GAN 常用 0.5（DCGAN），WGAN-GP 常用 0",
    ),
    "lab_beta2_info": ("How long Adam averages squared gradients", "Adam 对梯度平方做平均的时间跨度"),
    "lab_width_info": ("Units in each hidden layer", "每个隐藏层的单元数"),
    "lab_tricks": ("Tricks", "技巧"),
    "lab_smoothing": ("One-sided label smoothing", "单侧标签平滑"),
    "lab_smoothing_info": (
        "D's target for real points becomes 1 − s (Salimans et al. 2016); for the BCE and least-squares losses",
        "D 对真实点的目标变为 1 − s（Salimans 等，2016）；适用于交叉熵和最小二乘损失",
    ),
    "lab_sn": ("Spectral norm on D", "D 使用谱归一化"),
    "lab_sn_info": (
        "Divides each of D's weight matrices by its largest singular value: D stays 1-Lipschitz and smooth (Miyato et al. 2018)",
        "把 D 的每个权重矩阵除以它的最大奇异值：D 保持 1-Lipschitz、变化平滑（Miyato 等，2018）",
    ),
    "lab_r1": ("R1 penalty γ", "R1 惩罚 γ"),
    "lab_r1_info": (
        "Penalises D's gradient on real points, γ/2 · E‖∇D(x)‖² (Mescheder et al. 2018); 0 = off",
        "惩罚 D 在真实点上的梯度，γ/2 · E‖∇D(x)‖²（Mescheder 等，2018）；0 = 关闭",
    ),
    "lab_ema": ("EMA of G (decay)", "G 的指数滑动平均（衰减率）"),
    "lab_ema_info": (
        "When > 0 the view shows the moving average of G's weights, which jitters less; 0 = off",
        "大于 0 时视图显示 G 权重的滑动平均，抖动更小；0 = 关闭",
    ),
    "lab_downloads": ("Download the run", "下载这次训练"),
    "lab_download_button": ("Prepare CSV, JSON and GIF", "生成 CSV、JSON 和 GIF"),
    "lab_files": ("History (CSV, JSON) and animation (GIF)", "历史记录（CSV、JSON）和动画（GIF）"),
    "lab_metrics_explain": (
        "**Metrics.** *Modes covered*: of the mixture's Gaussians, how many receive at least a fifth of a fair share of the fake points "
        "within 3σ of their centre; *high quality*: the share of fake points within 3σ of some centre (Srivastava et al. 2017). "
        "*JS*: Jensen–Shannon divergence between the binned densities of real and fake points (0 = same, 1 = disjoint).",
        "**指标。** *覆盖的模式*：混合分布的各个高斯中，有多少个在其中心 3σ 以内得到了至少五分之一“平均份额”的生成点；"
        "*高质量比例*：落在某个中心 3σ 以内的生成点所占比例（Srivastava 等，2017）。*JS*：真实点与生成点分箱密度之间的 Jensen–Shannon 散度（0 = 相同，1 = 完全不重叠）。",
    ),
    "lab_preset_mode_collapse": ("Mode collapse", "模式崩溃"),
    "lab_preset_saturating": ("Vanishing gradients (saturating loss)", "梯度消失（饱和损失）"),
    "lab_preset_d_too_strong": ("D too strong", "判别器过强"),
    "lab_preset_wgan_gp": ("WGAN-GP recovers", "WGAN-GP 恢复多样性"),
    "lab_preset_ttur": ("TTUR: D learns faster", "TTUR：D 学得更快"),
    "lab_preset_spectral_norm": ("Spectral norm tames D", "谱归一化约束 D"),
    "lab_watch_mode_collapse": (
        "G learns 10× faster than D. Watch the purple points gather on one or two green clusters, then jump to another when D's "
        "background turns purple there: G chases D's favourite spot instead of spreading out. *Modes covered* stays at 1–2 of 8 "
        "(1,500 steps).",
        "G 的学习率是 D 的 10 倍。看紫色点聚到一两个绿色簇上，等 D 的背景在那里变紫后又跳到别的簇：G 追逐 D 最“喜欢”的位置，而不是铺开。"
        "*覆盖的模式*一直停在 8 个中的 1–2 个（1500 步）。",
    ),
    "lab_watch_saturating": (
        "The original minimax loss log(1 − D(G(z))) against a fast D. D quickly says *fake* everywhere G draws (D(G(z)) → 0), where "
        "that loss is flat: the arrows vanish and the purple points freeze. Switch the loss to *nonsaturating* while it runs and "
        "the arrows come back (300 steps).",
        "原始极小极大损失 log(1 − D(G(z)))，对手是学得很快的 D。D 很快在 G 画点的地方都判为*假*（D(G(z)) → 0），而那里这个损失是平的："
        "箭头消失，紫色点不再移动。训练中把损失改为 *nonsaturating*，箭头就回来了（300 步）。",
    ),
    "lab_watch_d_too_strong": (
        "A deeper, wider D with a 5× learning rate and 3 steps per G step. D(x) stays high and D(G(z)) low: D wins, its background "
        "has sharp edges, and G's strong, jumpy gradients leave most modes empty (400 steps). Then try the *spectral norm* preset.",
        "更深、更宽的 D，学习率是 5 倍，每步 G 训练 3 步 D。D(x) 居高、D(G(z)) 偏低：D 占上风，背景边界锐利，G 的梯度又大又跳，"
        "大部分模式空着（400 步）。然后试试*谱归一化*预设。",
    ),
    "lab_watch_wgan_gp": (
        "The same seed as *mode collapse*, but a Wasserstein critic with a gradient penalty (5 critic steps per G step). The "
        "background becomes a smooth slope instead of a yes/no verdict, so every fake point gets a useful arrow and the points "
        "spread to all 8 modes (400 steps).",
        "与*模式崩溃*相同的种子，但换成带梯度惩罚的 Wasserstein 评论家（每步 G 训练 5 步评论家）。背景变成平滑的坡面而不是“是/否”判决，"
        "每个生成点都得到有用的箭头，点逐渐铺满全部 8 个模式（400 步）。",
    ),
    "lab_watch_ttur": (
        "The two time-scale update rule: D's learning rate is 4× G's, the opposite of *mode collapse*. D keeps up with G, so G "
        "cannot settle on one cluster: 7–8 of 8 modes covered (1,000 steps).",
        "双时间尺度更新规则：D 的学习率是 G 的 4 倍，正好与*模式崩溃*相反。D 跟得上 G，G 无法停在单个簇上：覆盖 8 个模式中的 7–8 个（1000 步）。",
    ),
    "lab_watch_spectral_norm": (
        "*D too strong*, plus spectral normalisation of D's layers. D's background turns soft and D(x) ≈ D(G(z)) ≈ 0.5; the arrows "
        "stay moderate and G covers the ring (400 steps). Untick it while it runs to see D take over again.",
        "在*判别器过强*的基础上，对 D 的各层做谱归一化。D 的背景变得柔和，D(x) ≈ D(G(z)) ≈ 0.5；箭头大小适中，G 铺满整个环（400 步）。"
        "训练中取消勾选，就能看到 D 再次占上风。",
    ),
    # -- unpaired translation (CycleGAN) -------------------------------------------------------------------------------
    "tab_cyclegan": ("Unpaired (CycleGAN)", "非配对翻译（CycleGAN）"),
    "cyclegan_explain": (
        "**Unpaired image-to-image translation** with **CycleGAN** (Zhu et al. 2017): here black hair ↔ blonde hair on cartoon avatars.\n\n"
        "- **Paired vs unpaired.** pix2pix (the *Image-to-image translation* tab) learns from *pairs*: each drawing comes with the picture it should become. "
        "For horse ↔ zebra, summer ↔ winter or photo ↔ painting no such pairs exist, only two separate collections of images. CycleGAN learns from two "
        "unpaired collections: this model never saw the same avatar with both hair colours.\n"
        "- **Two generators, two discriminators.** G turns A into B and F turns B into A; D_B judges whether an image looks like a real B, D_A whether "
        "it looks like a real A (both 70 × 70 PatchGANs, with the least-squares GAN loss).\n"
        "- **Cycle-consistency loss.** Fooling D_B alone would let G draw *any* blonde avatar. So F(G(a)) must give back a, and G(F(b)) must give back b "
        "(an L1 loss, weight λ = 10): the translation has to keep enough of the input to undo it. Below, *cycle back* is that reconstruction.\n"
        "- **Identity loss.** An image that is already in the target domain should pass unchanged: G(b) ≈ b and F(a) ≈ a (weight 0.5 λ). "
        "It stops the generators from changing colours that need no change (skin, clothes, background).\n"
        "- **Colour and texture change easily, shape does not.** The generator is a ResNet that keeps the image's layout (no bottleneck), and the cycle "
        "loss rewards keeping everything it can undo, so recolouring hair is easy, while changing a shape (long ↔ short hair, a dog into a cat) "
        "would have to invent or erase content the cycle cannot get back; CycleGAN's authors report such geometric changes as its typical failure.\n\n"
        "The held-out examples were rendered, so for them the **true counterpart** (the same avatar with the other hair colour) exists and is shown: "
        "ground truth that real unpaired data never has. This tab is separate from *Image-to-image translation* because its models learn from "
        "unpaired collections and translate both ways. Uploads are centre-cropped to a square and resized to the model's size (64 px).",
        "**非配对图像翻译**，方法为 **CycleGAN**（Zhu 等，2017）：这里是卡通头像的黑发 ↔ 金发。\n\n"
        "- **配对与非配对。** pix2pix（见“图像到图像翻译”页）从*成对*的数据中学习：每张线稿都配有它应该变成的图片。"
        "而马 ↔ 斑马、夏天 ↔ 冬天、照片 ↔ 油画都没有这样的配对，只有两组互不相关的图片。CycleGAN 只需要两组非配对的图片："
        "这个模型从未见过同一个头像的两种发色。\n"
        "- **两个生成器、两个判别器。** G 把 A 变成 B，F 把 B 变成 A；D_B 判断一张图像不像真实的 B，D_A 判断像不像真实的 A"
        "（都是 70 × 70 的 PatchGAN，使用最小二乘 GAN 损失）。\n"
        "- **循环一致性损失。** 只要骗过 D_B，G 就可以画出*任意*一个金发头像。因此要求 F(G(a)) 还原出 a、G(F(b)) 还原出 b"
        "（L1 损失，权重 λ = 10）：翻译必须保留足够的信息才能被还原。下方的“循环还原”就是这个重建结果。\n"
        "- **恒等损失。** 已经属于目标域的图像应当原样通过：G(b) ≈ b，F(a) ≈ a（权重 0.5 λ）。"
        "它防止生成器改动不需要改的颜色（皮肤、衣服、背景）。\n"
        "- **颜色和纹理容易改，形状难改。** 生成器是保持图像布局的 ResNet（没有瓶颈），循环损失又奖励保留一切可以还原的内容，"
        "所以给头发换颜色很容易；而改变形状（长发 ↔ 短发、狗变成猫）需要凭空添加或抹去循环无法还原的内容，"
        "CycleGAN 的作者也指出几何形变是它典型的失败情形。\n\n"
        "示例头像是渲染出来的留出数据，所以它们的**真实对应图**（同一个头像换成另一种发色）是存在的，并一并显示："
        "这是真实的非配对数据永远没有的标准答案。本页与“图像到图像翻译”分开，是因为这里的模型从非配对的图片集中学习，并且可以双向翻译。"
        "上传的图片会被居中裁剪为正方形，并缩放到模型的尺寸（64 像素）。",
    ),
    "cg_image": ("Avatar (upload, or pick an example below)", "头像（上传，或在下方选择示例）"),
    "cg_direction": ("Direction", "方向"),
    "cg_go": ("Translate", "翻译"),
    "cg_translated": ("Translated", "翻译结果"),
    "cg_reconstructed": ("Cycle back (reconstruction)", "循环还原（重建）"),
    "cg_truth": ("True counterpart (examples only)", "真实对应图（仅限示例）"),
    "cg_examples": (
        "Held-out avatars (never seen in training): click one",
        "留出的头像（训练中从未见过）：点击载入",
    ),
    "cg_limits": (
        "Uploads: PNG, JPEG, GIF, WebP, BMP or TIFF, at most 2048 × 2048 pixels; transparent areas become white.",
        "上传：支持 PNG、JPEG、GIF、WebP、BMP 或 TIFF，最多 2048 × 2048 像素；透明区域视为白色。",
    ),
    "cg_none": (
        "No CycleGAN model is installed yet (expected in `checkpoints/cyclegan-hair-avatars`).",
        "尚未安装 CycleGAN 模型（应位于 `checkpoints/cyclegan-hair-avatars`）。",
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
    "unknown_direction": (
        "Unknown direction {value!r}: use {choices}.",
        "未知方向 {value!r}：可选 {choices}。",
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
    "wrong_tab": (
        "{value!r} is a model for the “{tab}” tab. Models here: {choices}.",
        "{value!r} 是“{tab}”页的模型。本页可用的模型：{choices}。",
    ),
    "not_a_flag": ("{name} must be true or false, got {value!r}.", "{name}必须是 true 或 false，收到的是 {value!r}。"),
    "no_image": ("No image was given: upload an image first.", "没有收到图片：请先上传一张图片。"),
    "too_large": (
        "{name} is {size}, above the limit of {limit:,} pixels: please upload a smaller image.",
        "{name} 的尺寸是 {size}，超过了 {limit:,} 像素的上限：请上传更小的图片。",
    ),
    "bad_input": (
        "The request could not be read: one of its inputs has the wrong type or shape (docs/api.md lists what each "
        "endpoint takes).",
        "无法读取该请求：某个输入的类型或结构不对（docs/api.md 列出了每个接口接受的输入）。",
    ),
    "internal": (
        "Something went wrong on the server while answering. Please try again; if it keeps happening, tell the host.",
        "服务器处理请求时出错。请重试；如果反复出现，请告诉主持人。",
    ),
    "unreadable": (
        "{name} is not a readable image: it is corrupt, truncated, or not a PNG, JPEG, GIF, WebP, BMP or TIFF file.",
        "{name} 不是可读取的图片：文件已损坏、不完整，或者不是 PNG、JPEG、GIF、WebP、BMP 或 TIFF 格式。",
    ),
    "too_small_known": (
        "The known-answer test shrinks the image ×{scale} first, so it needs at least {side} × {side} pixels; this one is {width} × {height}.",
        "已知答案测试会先把图片缩小到 1/{scale}，因此图片至少需要 {side} × {side} 像素；这张是 {width} × {height}。",
    ),
    "model_failed": (
        "The model produced invalid values (NaN or infinity): its weights may be corrupt.",
        "模型输出了无效数值（NaN 或无穷大）：它的权重文件可能已损坏。",
    ),
    "unknown_source": (
        "Input must be 'sketch', 'drawing' or 'picture', got {value!r}.",
        "输入方式必须是 'sketch'、'drawing' 或 'picture'，收到的是 {value!r}。",
    ),
    "draw_first": (
        "The canvas is empty: draw something first (or click an example).",
        "画布是空的：请先画点什么（或点击一个示例）。",
    ),
    "no_lines": (
        "No lines found in {name}: upload dark lines on a light background, or choose “Upload a picture” to extract its edges.",
        "在 {name} 中没有找到线条：请上传浅色背景上的深色线稿，或选择“上传图片或照片”来自动提取边缘。",
    ),
    "seeds_empty": (
        "{name}: enter at least one seed, as whole numbers separated by commas (e.g. 1, 2, 3).",
        "{name}：请至少输入一个种子，用逗号分隔的整数（例如 1, 2, 3）。",
    ),
    "seeds_not_integers": (
        "{name} must be whole numbers separated by commas (e.g. 1, 2, 3); {value!r} is not one.",
        "{name}必须是用逗号分隔的整数（例如 1, 2, 3）；{value!r} 不是整数。",
    ),
    "too_many_seeds": (
        "{name}: at most {limit} seeds, got {count}.",
        "{name}：最多 {limit} 个种子，收到了 {count} 个。",
    ),
    "seed_out_of_range": (
        "{name}: every seed must be between 0 and {high}, got {value}.",
        "{name}：每个种子都必须在 0 到 {high} 之间，收到的是 {value}。",
    ),
    "unknown_layers": (
        "Layers must be one of {choices}, got {value!r}.",
        "层的选择必须是 {choices} 之一，收到的是 {value!r}。",
    ),
    "reversed_layers": (
        "The layer range is reversed: “From layer” {start} is above “To layer” {stop}. A range runs from the lower layer to the higher one (e.g. {stop} to {start}).",
        "层范围颠倒了：“起始层” {start} 大于“结束层” {stop}。范围应从较低的层到较高的层（例如 {stop} 到 {start}）。",
    ),
    "empty_group": (
        "{model} makes {size} px images and has no {group} layers ({pixels}): its {count} style layers are {layers}. Choose another group or a custom range.",
        "{model} 生成 {size} 像素的图片，没有{group}（{pixels}）：它的 {count} 个风格层是 {layers}。请换一组，或使用自定义范围。",
    ),
    "unknown_noise": (
        "Noise must be 'random', 'const' or 'none', got {value!r}.",
        "噪声必须是 'random'、'const' 或 'none'，收到的是 {value!r}。",
    ),
    "needs_stylegan": (
        "{value!r} is not a StyleGAN model: it has no mapping network or per-layer styles to mix. StyleGAN models: {choices}.",
        "{value!r} 不是 StyleGAN 模型：它没有映射网络，也没有可混合的逐层风格。StyleGAN 模型：{choices}。",
    ),
    "w_needs_stylegan": (
        "Only StyleGAN models have a W space, and {value!r} is not one: choose Z, or a StyleGAN model ({choices}).",
        "只有 StyleGAN 模型才有 W 空间，而 {value!r} 不是：请选择 Z，或选择 StyleGAN 模型（{choices}）。",
    ),
    "unknown_space": (
        "Latent space must be 'z' or 'w', got {value!r}.",
        "潜在空间必须是 'z' 或 'w'，收到的是 {value!r}。",
    ),
    # -- training lab
    "lab_bad_settings": ("Bad lab settings: {detail}.", "实验室设置无效：{detail}。"),
    "lab_bad_json": (
        'settings must be a JSON object such as {{"loss": "hinge"}}, got {value!r}.',
        'settings 必须是 JSON 对象，例如 {{"loss": "hinge"}}，收到的是 {value!r}。',
    ),
    "lab_unknown_preset": (
        "Unknown preset {value!r}. Presets: {choices}.",
        "未知预设 {value!r}。可选预设：{choices}。",
    ),
    "lab_unknown_layers": ("Unknown layers {value!r}. Layers: {choices}.", "未知图层 {value!r}。可选图层：{choices}。"),
    "lab_busy": (
        "All {limit} training slots of this server are busy; try again in a minute.",
        "本服务器的 {limit} 个训练名额都在使用中，请一分钟后再试。",
    ),
    "no_edges": (
        "No edges found in {name}: the picture looks flat. Try one with clear outlines.",
        "在 {name} 中没有找到边缘：这张图片几乎是纯色的。请换一张轮廓清晰的图片。",
    ),
}

# Per-request notes under a result, in the request's language.
NOTES: dict[str, tuple[str, str]] = {
    # -- training lab
    "lab_status": (
        "**Step {step}** · D loss {d_loss} · G loss {g_loss} · D(x) {d_real} · D(G(z)) {d_fake} · JS {js}",
        "**第 {step} 步** · D 损失 {d_loss} · G 损失 {g_loss} · D(x) {d_real} · D(G(z)) {d_fake} · JS {js}",
    ),
    "lab_modes": (
        " · modes covered **{covered} / {total}** · high quality {quality:.0%}",
        " · 覆盖模式 **{covered} / {total}** · 高质量比例 {quality:.0%}",
    ),
    "lab_waiting": (
        "⏳ All {limit} training slots are busy; {ahead} run(s) wait before yours. It starts by itself when a slot frees.",
        "⏳ {limit} 个训练名额都在使用中，你前面还有 {ahead} 个在排队。有空位时会自动开始。",
    ),
    "lab_finished": (
        "⏹ This run reached its limit ({steps} steps or {seconds} s of training). Press Reset to start again.",
        "⏹ 本次训练已达上限（{steps} 步或 {seconds} 秒）。按“重置”重新开始。",
    ),
    "lab_need_points": (
        "Click on the view to add your own points (at least one) for the data “my points”.",
        "数据选择“我的点”时，请在视图上点击添加至少一个点。",
    ),
    "lab_settings_refused": ("Settings not applied: {detail}.", "设置未生效：{detail}。"),
    "lab_diverged": (
        "The losses are no longer finite numbers: training diverged. Press Reset, or lower the learning rates.",
        "损失已不再是有限数值：训练发散了。请按“重置”，或调低学习率。",
    ),
    "lab_watch": ("**What to watch.** {text}", "**看点。** {text}"),
    "lab_limits": (
        "Limits: a run stops after {steps} steps or {seconds} s of training; at most {runs} runs train at once on this server "
        "(others wait their turn); a run left without its page for {idle} s is stopped. The API takes up to {api_steps} steps per call.",
        "限制：每次训练最多 {steps} 步或 {seconds} 秒；本服务器同时最多训练 {runs} 个（其余排队等候）；页面关闭 {idle} 秒后训练停止。"
        "API 每次调用最多 {api_steps} 步。",
    ),
    "sr_sizes": (
        "Input {w0} × {h0} → result {w1} × {h1} (×{scale}).",
        "输入 {w0} × {h0} → 结果 {w1} × {h1}（×{scale}）。",
    ),
    "sr_model": ("Model: {title}.", "模型：{title}。"),
    "sr_blend": (
        "Network interpolation α = {alpha:.2f}: weights = {psnr_share:.2f} × {psnr} + {alpha:.2f} × {gan}.",
        "网络插值 α = {alpha:.2f}：权重 = {psnr_share:.2f} × {psnr} + {alpha:.2f} × {gan}。",
    ),
    "sr_alpha_ignored": (
        "Model: {title}. α has no effect: {model} has no PSNR-oriented base model installed to blend with.",
        "模型：{title}。α 不起作用：{model} 没有可供混合的面向 PSNR 的基础模型。",
    ),
    "sr_progress": ("Enlarging ×{scale}", "正在放大 ×{scale}"),
    "first_run": ("first run of this model on {device}: timing it", "此模型在 {device} 上首次运行，正在计时"),
    "expected_time": ("about {seconds:.0f} s expected on {device}", "预计在 {device} 上约需 {seconds:.0f} 秒"),
    "time_left": ("about {seconds:.0f} s left", "约剩 {seconds:.0f} 秒"),
    "tr_progress": ("Translating with {title}", "正在用 {title} 翻译"),
    "sr_time": ("Took {seconds:.2f} s on {device}.", "耗时 {seconds:.2f} 秒（{device}）。"),
    "sr_tiles": (
        "Processed in {tiles} tiles of at most {tile} × {tile} input pixels (overlapping by {radius} pixels: same result as in one piece).",
        "分成 {tiles} 块处理，每块最多 {tile} × {tile} 个输入像素（相互重叠 {radius} 像素：结果与整图一次处理相同）。",
    ),
    "sr_display": (
        "The slider shows both images reduced to {side} pixels on the long side; the PNG file is full size.",
        "滑块中的两张图已缩小到长边 {side} 像素以便显示；PNG 文件是全尺寸的。",
    ),
    "sr_known": (
        "Known-answer test: your image ({w} × {h}) was shrunk to {lw} × {lh}, then enlarged back by bicubic interpolation and by the model.",
        "已知答案测试：你的图片（{w} × {h}）先被缩小到 {lw} × {lh}，再分别用双三次插值和模型放大回来。",
    ),
    "sr_known_crop": (
        "Its sides were first cut down to multiples of {scale} ({w} × {h}); the scores compare with that crop.",
        "为此先把图片的宽和高裁成 {scale} 的倍数（{w} × {h}），得分也以裁剪后的图为标准。",
    ),
    "sr_known_alpha": (
        "Transparency is left out of the test: only the colours are scored.",
        "测试不考虑透明通道：只对颜色打分。",
    ),
    "sr_metrics": (
        "| | PSNR (dB) ↑ | SSIM ↑ |\n|---|---|---|\n| bicubic interpolation | {bicubic_psnr:.2f} | {bicubic_ssim:.4f} |\n"
        "| model | {model_psnr:.2f} | {model_ssim:.4f} |\n\n"
        "Higher is closer to your original (measured on luma, {scale} border pixels left out). A GAN model often scores lower than the "
        "PSNR-oriented one while looking sharper: the perception–distortion trade-off.",
        "| | PSNR（dB）↑ | SSIM ↑ |\n|---|---|---|\n| 双三次插值 | {bicubic_psnr:.2f} | {bicubic_ssim:.4f} |\n"
        "| 模型 | {model_psnr:.2f} | {model_ssim:.4f} |\n\n"
        "数值越高越接近原图（在亮度通道上计算，去掉 {scale} 像素的边框）。GAN 模型的得分常常低于面向 PSNR 的模型，看起来却更清晰："
        "这就是感知–失真权衡。",
    ),
    "tr_model": (
        "{title}: the drawing was resized to {size} × {size} pixels.",
        "{title}：线稿已缩放到 {size} × {size} 像素。",
    ),
    "tr_padded": (
        "It was not square, so it was padded with white to keep its proportions.",
        "线稿不是正方形，因此用白色补齐以保持比例。",
    ),
    "tr_edges": (
        "Edges were extracted from your picture: see “What the generator sees”.",
        "已从你的图片中提取边缘：见“生成器看到的输入”。",
    ),
    "tr_picture": (
        "{title} takes pictures: yours went in itself, resized to {w} × {h} pixels with its proportions kept (padded to multiples of {multiple} for the network, cropped back after).",
        "{title} 直接处理图片：输入的就是你的图片本身，保持比例缩放到 {w} × {h} 像素（为网络补边到 {multiple} 的倍数，之后再裁回）。",
    ),
    "tr_baseline": (
        "Right: {title}, the same U-Net trained with L1 only.",
        "右图：{title}，同一个 U-Net 只用 L1 损失训练。",
    ),
    "tr_no_baseline": (
        "No L1-only model of the same size is installed to compare with.",
        "没有安装同尺寸的仅 L1 模型可供对比。",
    ),
    "cg_model": (
        "{title}: {source} → {target}. The avatar was seen at {size} × {size} pixels; the cycle back translates the result "
        "back to {source}.",
        "{title}：{source} → {target}。头像以 {size} × {size} 像素输入模型；循环还原把结果再翻译回{source}。",
    ),
    "cg_cropped": (
        "It was not square, so its centre was cropped to a square.",
        "图片不是正方形，因此居中裁剪成了正方形。",
    ),
    "cg_truth_psnr": (
        "A held-out example: against its true counterpart the translation scores PSNR {psnr:.2f} dB (the unchanged input: {identity:.2f} dB); "
        "the cycle back scores {cycle:.2f} dB against the input.",
        "这是一个留出示例：与真实对应图相比，翻译结果的 PSNR 为 {psnr:.2f} dB（未改动的输入为 {identity:.2f} dB）；"
        "循环还原与输入相比为 {cycle:.2f} dB。",
    ),
    "cg_cycle_psnr": (
        "The cycle back scores PSNR {cycle:.2f} dB against the input (no true counterpart is known for an upload).",
        "循环还原与输入相比 PSNR 为 {cycle:.2f} dB（上传的图片没有已知的真实对应图）。",
    ),
    "sm_caption": (
        "**Columns → layers {layers}** ({pixels}{group}); **rows → {rest}**. Row seeds: {rows} · column seeds: {columns} · ψ = {psi:g} · noise: {noise}.",
        "**列 → 第 {layers} 层**（{pixels}{group}）；**行 → {rest}**。行种子：{rows} · 列种子：{columns} · ψ = {psi:g} · 噪声：{noise}。",
    ),
    "sm_rest": ("the other layers, {layers}", "其余的第 {layers} 层"),
    "sm_rest_none": ("no layer: each cell is its column's image", "没有任何层：每一格就是所在列的图片"),
    "sm_pixels": ("{low}–{high} px", "{low}–{high} 像素"),
    "sm_pixel": ("{low} px", "{low} 像素"),
    "sm_pixels_up": ("{low} px and up", "{low} 像素及以上"),
    "sm_group": (", the {group} group", "，{group}"),
    # what imaging.decode_upload did to an upload (DecodedImage.notes)
    "upload_animated": (
        "Animated image: only the first frame was used.",
        "动图：只使用了第一帧。",
    ),
    "upload_exif": (
        "The EXIF orientation was applied (the photo was turned upright).",
        "已按 EXIF 方向信息把照片转正。",
    ),
    "upload_16_bit": ("16-bit image converted to 8 bits.", "16 位图像已转换为 8 位。"),
    "upload_32_bit": ("32-bit image converted to 8 bits.", "32 位图像已转换为 8 位。"),
    "upload_cmyk": ("CMYK image converted to RGB.", "CMYK 图像已转换为 RGB。"),
    "alpha": (
        "Transparency kept: the alpha channel was enlarged by bicubic interpolation.",
        "已保留透明通道：透明度用双三次插值放大。",
    ),
}

# -- lab: image mode (gan_demo/ui/lab_images.py) -----------------------------------------------------------------
TEXT |= {
    "li_explain": (
        """A small **DCGAN** learns **Fashion-MNIST** (28 × 28 garments) live on this server: a generator of about 230 000 weights against a discriminator of 10 000, the architecture of the *DCGAN* model, only narrower. The grid shows what G makes of **64 fixed noise vectors**, so you watch the same 64 samples change: noise, then blobs, then outlines, then garments: trousers, pullovers and sneakers after about a minute of a run's own training on a busy 2-core CPU (the status line counts it; two runs take turns, so twice that on the clock). With **two runs** ticked, run A and run B start from the **same seed** (the same initial weights, the same batches, the same noise) and train **in turn**, a step each, so the setting that differs is the only difference between the two columns — the comparison the GAN tutorials make. Settings apply when a run starts: change them, then press **Reset** and **Play**.""",
        """一个小型 **DCGAN** 在这台服务器上实时学习 **Fashion-MNIST**（28 × 28 的服饰图片）：生成器约 23 万个权重，判别器约 1 万个，结构与 *DCGAN* 模型相同，只是更窄。网格显示 G 对 **64 个固定噪声向量**的输出，所以你看到的是同样 64 个样本的变化：噪声 → 色块 → 轮廓 → 服饰：在繁忙的 2 核 CPU 上，一个运行自身训练约一分钟后就能认出裤子、套头衫和运动鞋（状态行会计时；两个运行轮流训练，所以实际时间约为两倍）。勾选**两个运行**时，运行 A 和运行 B 从**同一个种子**出发（相同的初始权重、相同的批次、相同的噪声），**轮流**各训练一步，因此两列之间唯一的区别就是不同的那个设置——正是 GAN 教程里所做的对比。设置在运行开始时生效：修改后请按**重置**再按**播放**。""",
    ),
    "li_limits": (
        "**Limits:** each run stops after **4000 steps** or **240 s** of its own training. So that the app stays responsive for everyone, only a few runs (a number the server sets with `GAN_DEMO_LAB_RUNS`) train at once; the others wait, with a message, and start by themselves. Pausing, resetting or closing the tab frees the place.",
        "**限制：**每个运行在训练 **4000 步**或自身训练 **240 秒**后停止。为了让所有人都能流畅使用本应用，同时只训练少数几个运行（数量由服务器的 `GAN_DEMO_LAB_RUNS` 设置），其余的会显示提示并排队等待，轮到时自动开始。暂停、重置或关闭页面都会让出名额。",
    ),
    "li_dataset": ("Dataset", "数据集"),
    "li_dataset_info": (
        "Fashion-MNIST (garments); MNIST (digits) where it is installed",
        "Fashion-MNIST（服饰）；安装了 MNIST（手写数字）时也可选",
    ),
    "li_seed_info": (
        "The same seed and settings give the same run, step for step",
        "相同的种子和设置会得到完全相同的训练过程",
    ),
    "li_batch": ("Batch size", "批大小"),
    "li_batch_info": (
        "Real and generated images per step; bigger batches give smoother but slower steps",
        "每一步的真实图片和生成图片数量；批越大，每步越平稳但越慢",
    ),
    "li_two_runs": ("Two runs side by side", "并排运行两个"),
    "li_two_runs_info": (
        "Train run B beside run A, in turn, from the same seed",
        "在运行 A 旁边轮流训练运行 B，二者使用同一个种子",
    ),
    "li_preset": ("Comparison", "对比"),
    "li_preset_info": (
        "Fills in the settings of runs A and B; the table below says what to watch",
        "自动填入运行 A 和 B 的设置；下表说明应该观察什么",
    ),
    "li_preset_spectral_norm": ("Spectral norm: without (A) / with (B)", "谱归一化：不用（A）/ 使用（B）"),
    "li_preset_batch_norm": ("Batch norm in D: without (A) / with (B)", "D 中的批归一化：不用（A）/ 使用（B）"),
    "li_preset_saturating": ("Saturating (A) / non-saturating (B) loss", "饱和损失（A）/ 非饱和损失（B）"),
    "li_preset_wgan": ("WGAN: weight clipping (A) / gradient penalty (B)", "WGAN：权重裁剪（A）/ 梯度惩罚（B）"),
    "li_preset_ttur": ("TTUR: equal learning rates (A) / D faster (B)", "TTUR：相同学习率（A）/ D 更快（B）"),
    "li_preset_label_smoothing": ("Label smoothing: without (A) / 0.2 (B)", "标签平滑：不用（A）/ 0.2（B）"),
    "li_preset_r1": ("R1 penalty: without (A) / γ = 1 (B)", "R1 惩罚：不用（A）/ γ = 1（B）"),
    "li_preset_ema": ("EMA of G: without (A) / 0.99 (B)", "G 的 EMA：不用（A）/ 0.99（B）"),
    "li_watch": (
        """| comparison | what to watch |
|---|---|
| spectral norm | both Ds without batch norm; B's is kept 1-Lipschitz (Miyato et al. 2018): its D(x) and D(G(z)) stay closer together and its losses swing less, while G still learns |
| batch norm in D | DCGAN's batch norm (B) speeds learning up markedly at this size: garments appear sooner than in A |
| saturating / non-saturating | A's G minimises log(1 − D(G(z))), which is flat exactly when D rejects its samples: early on its grid stays noise for longer (Goodfellow et al. 2014, section 3) |
| WGAN clipping / GP | the curves are critic scores, not probabilities; clipping (A) squeezes D's weights into ±0.01 and learns slowly and blurrily, the gradient penalty (B) keeps the critic useful (Gulrajani et al. 2017) |
| TTUR | B's D learns 4× faster than its G (Heusel et al. 2017): D stays near its optimum, which the two-time-scale theory asks for |
| label smoothing | B's D aims at 0.8 instead of 1 for real images (Salimans et al. 2016): D(x) stays lower and D is less over-confident |
| R1 | B penalises D's gradient on real images (Mescheder et al. 2018): smoother D, steadier losses |
| EMA of G | B shows the moving average of G's weights (as StyleGAN does): the same garments, less flicker from step to step |""",
        """| 对比 | 观察什么 |
|---|---|
| 谱归一化 | 两个 D 都不用批归一化；B 的 D 保持 1-Lipschitz（Miyato 等，2018）：D(x) 与 D(G(z)) 更接近，损失波动更小，而 G 照样在学习 |
| D 中的批归一化 | 在这么小的网络上，DCGAN 的批归一化（B）明显加快学习：服饰比 A 更早出现 |
| 饱和 / 非饱和 | A 的 G 最小化 log(1 − D(G(z)))，恰好在 D 拒绝其样本时梯度几乎为零：训练初期它的网格会更久地停留在噪声（Goodfellow 等，2014，第 3 节） |
| WGAN 裁剪 / 梯度惩罚 | 曲线是评论家的分数而不是概率；权重裁剪（A）把 D 的权重压在 ±0.01 内，学得慢且模糊，梯度惩罚（B）让评论家保持有用（Gulrajani 等，2017） |
| TTUR | B 的 D 学习率是 G 的 4 倍（Heusel 等，2017）：D 始终接近最优，这正是双时间尺度理论的要求 |
| 标签平滑 | B 的 D 对真实图片的目标是 0.8 而不是 1（Salimans 等，2016）：D(x) 更低，D 不那么过度自信 |
| R1 | B 惩罚 D 在真实图片上的梯度（Mescheder 等，2018）：D 更平滑，损失更平稳 |
| G 的 EMA | B 显示 G 权重的滑动平均（StyleGAN 的做法）：同样的服饰，步与步之间闪烁更少 |""",
    ),
    "li_play": ("▶ Play", "▶ 播放"),
    "li_pause": ("Pause", "暂停"),
    "li_reset": ("⟲ Reset", "⟲ 重置"),
    "li_run_a": ("### Run A", "### 运行 A"),
    "li_run_b": ("### Run B", "### 运行 B"),
    "li_samples": ("Samples from 64 fixed noise vectors", "64 个固定噪声向量生成的样本"),
    "li_losses": ("Losses", "损失"),
    "li_readout": (
        "D(x) on real, D(G(z)) on generated images (probabilities; critic scores for WGAN, hinge and least squares)",
        "D(x)（真实图片）与 D(G(z))（生成图片）：概率；WGAN、hinge 和最小二乘损失下是评论家分数",
    ),
    "li_settings": ("Settings", "设置"),
    "li_loss": ("Loss", "损失函数"),
    "li_loss_info": (
        "saturating: the original minimax log(1 − D(G(z))); nonsaturating: G maximises log D(G(z)) instead; wgan-clip / wgan-gp: a Wasserstein critic kept Lipschitz by weight clipping or a gradient penalty; hinge (SAGAN, BigGAN); lsgan: least squares",
        "saturating：原始极小极大损失 log(1 − D(G(z)))；nonsaturating：G 改为最大化 log D(G(z))；wgan-clip / wgan-gp：用权重裁剪或梯度惩罚保持 Lipschitz 的 Wasserstein 评论家；hinge（SAGAN、BigGAN）；lsgan：最小二乘",
    ),
    "li_d_norm": ("Normalisation in D", "D 的归一化"),
    "li_d_norm_info": (
        "batch: DCGAN's batch norm, which learns fastest here; none: needed by the per-sample gradient penalty (WGAN-GP) and R1",
        "batch：DCGAN 的批归一化，在这里学得最快；none：逐样本的梯度惩罚（WGAN-GP）和 R1 必须用它",
    ),
    "li_sn": ("Spectral norm on D", "D 使用谱归一化"),
    "li_sn_info": (
        "Divides each of D's weight matrices by its largest singular value, so D cannot become arbitrarily steep",
        "把 D 的每个权重矩阵除以其最大奇异值，使 D 不能变得任意陡峭",
    ),
    "li_g_lr": ("Learning rate of G", "G 的学习率"),
    "li_g_lr_info": ("Adam's step size for the generator (1e-6 to 0.01)", "生成器的 Adam 步长（1e-6 到 0.01）"),
    "li_d_lr": ("Learning rate of D", "D 的学习率"),
    "li_d_lr_info": (
        "Different from G's: the two time-scale update rule (TTUR)",
        "与 G 的不同即双时间尺度更新规则（TTUR）",
    ),
    "li_d_steps": ("D steps per G step", "每步 G 对应的 D 步数"),
    "li_d_steps_info": (
        "WGAN trains its critic several times per generator update",
        "WGAN 每更新一次生成器会训练评论家多次",
    ),
    "li_smoothing": ("One-sided label smoothing", "单边标签平滑"),
    "li_smoothing_info": (
        "D's target for real images becomes 1 − s (saturating, nonsaturating, lsgan)",
        "D 对真实图片的目标变为 1 − s（saturating、nonsaturating、lsgan）",
    ),
    "li_r1": ("R1 penalty γ", "R1 惩罚 γ"),
    "li_r1_info": (
        "Adds γ/2 · ‖∇D(x)‖² on real images to D's loss; 0 = off",
        "在 D 的损失中加入真实图片上的 γ/2 · ‖∇D(x)‖²；0 = 关闭",
    ),
    "li_ema": ("EMA of G (decay)", "G 的 EMA（衰减率）"),
    "li_ema_info": (
        "Shows a moving average of G's weights; 0 = off, 0.99 averages about the last 100 steps",
        "显示 G 权重的滑动平均；0 = 关闭，0.99 约为最近 100 步的平均",
    ),
    "li_adam": ("Adam's betas", "Adam 的 β 参数"),
    "li_beta1": ("β₁ (momentum)", "β₁（动量）"),
    "li_beta1_info": (
        "DCGAN uses 0.5: full momentum (0.9) makes the adversarial game oscillate",
        "DCGAN 使用 0.5：完整动量（0.9）会让对抗博弈振荡",
    ),
    "li_beta2": ("β₂", "β₂"),
    "li_beta2_info": ("Averaging of squared gradients; WGAN-GP uses 0.9", "梯度平方的平均系数；WGAN-GP 使用 0.9"),
}
ERRORS |= {
    "li_bad_settings": ("Settings of run {side}: {detail}.", "运行 {side} 的设置有误：{detail}。"),
}
NOTES |= {
    "li_idle": ("Press **Play** to start training.", "按**播放**开始训练。"),
    "li_opening": (
        "Step 0: what each generator draws before any training. Press **Play** to watch it learn.",
        "第 0 步：训练开始之前每个生成器画出的样子。按**播放**看它学习。",
    ),
    "li_run_status": (
        "**Run {side}**: step {step} of {max_steps}, {seconds:.0f} s of {max_seconds:.0f} s of training, {rate:.1f} steps/s.",
        "**运行 {side}**：第 {step} 步（上限 {max_steps}），已训练 {seconds:.0f} 秒（上限 {max_seconds:.0f} 秒），每秒 {rate:.1f} 步。",
    ),
    "li_waiting": (
        "**Waiting for a training slot:** all {limit} slots are busy and {ahead} other run(s) wait before yours. Training starts by itself.",
        "**正在等待训练名额：**{limit} 个名额都在使用中，你前面还有 {ahead} 个运行在等待。轮到时会自动开始训练。",
    ),
    "li_paused": (
        "Paused. **Play** continues; **Reset** starts over with the settings above.",
        "已暂停。按**播放**继续；按**重置**以上面的设置重新开始。",
    ),
    "li_finished": (
        "Finished: the run reached its bound. **Reset** to start again.",
        "已结束：运行达到了上限。按**重置**重新开始。",
    ),
}
# -- end of lab: image mode -----------------------------------------------------------------------------------------

i18n = gr.I18n(
    en={key: en for key, (en, _) in TEXT.items()},
    **{"zh-CN": {key: zh for key, (_, zh) in TEXT.items()}, "zh": {key: zh for key, (_, zh) in TEXT.items()}},
)


def language(request: gr.Request | None) -> str:
    """'zh' when the browser prefers Chinese, else 'en'."""
    header = (request.headers.get("accept-language", "") if request is not None else "") or ""
    first = header.split(",")[0].strip().lower()
    return "zh" if first.startswith("zh") else "en"


class Label(str):
    """An error's value that is a control's label (a key of TEXT): written in the request's language."""


def error(code: str, request: gr.Request | None, **values: object) -> gr.Error:
    """The one place a refusal is put into words: ERRORS[code] in the request's language (KeyError if missing)."""
    en, zh = ERRORS[code]
    shown = {key: field_name(value, request) if isinstance(value, Label) else value for key, value in values.items()}
    if "value" in shown:  # the refused input, quoted back: cut (the other values are the app's own)
        shown["value"] = _short(shown["value"])
    return gr.Error((zh if language(request) == "zh" else en).format(**shown))


def user_errors(handler: Callable[P, R]) -> Callable[P, R]:
    """For every handler an event calls: a UserError raised below it reaches the user as a gr.Error in the
    language of the request (the handler's `request` argument)."""

    @functools.wraps(handler)  # Gradio reads the wrapped signature: its gr.Request and gr.Progress stay
    def answer(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except UserError as err:
            request = kwargs.get("request", next((a for a in args if isinstance(a, gr.Request)), None))
            raise error(err.code, request, **err.values) from None  # type: ignore[arg-type]

    return answer


ECHO_LIMIT = 60  # characters of a refused value quoted back: a 1 MB class name is not sent back whole


class _Cut(str):
    """A long value cut for quoting: `{value!r}` shows it as cut, not quoted again."""

    def __repr__(self) -> str:
        return str(self)


def _short(value: object) -> object:
    """A refused value as it is quoted in an error: long text is cut, with its length said."""
    if isinstance(value, (str, bytes, list, tuple, dict)) and len(repr(value)) > ECHO_LIMIT:
        return _Cut(f"{repr(value)[:ECHO_LIMIT]}… ({len(value):,})")
    return value


def note(key: str, request: gr.Request | None, **values: object) -> str:
    """A line of NOTES in the request's language (KeyError if missing: every note has both languages)."""
    en, zh = NOTES[key]
    return (zh if language(request) == "zh" else en).format(**values)


def field_name(key: str, request: gr.Request | None) -> str:
    """A control's label in the request's language, for error messages."""
    en, zh = TEXT[key]
    return zh if language(request) == "zh" else en


def class_label(name: str) -> str:
    """'Sneaker · 运动鞋' for the class dropdown; the value stays the English name."""
    zh = CLASS_NAMES_ZH.get(name)
    return f"{name} · {zh}" if zh else name
